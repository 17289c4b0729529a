public import MarketplaceCore

/// A signed-in admin console session: only the SHA-256 of its cookie is stored, so a
/// copy of the store signs nobody in; ended at sign-out, so the old cookie is refused after.
public struct ConsoleSession: Hashable, Sendable, Codable {
    public var idHash: String
    /// Every form of the session carries it; a form without it is refused.
    public var csrfToken: String
    /// Who acts: "admin" (the admin token) or the IAP-verified email, as the audit log records it.
    public var actor: String
    public var createdAt: Timestamp
    public var expiresAt: Timestamp

    public init(idHash: String, csrfToken: String, actor: String, createdAt: Timestamp, expiresAt: Timestamp) {
        self.idHash = idHash
        self.csrfToken = csrfToken
        self.actor = actor
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// Which entitlements a console list shows; nil is any.
public struct EntitlementFilter: Hashable, Sendable {
    public var state: EntitlementState?
    public var product: String?
    public var plan: String?
    public var account: AccountID?
    /// Deleted ones are left out unless asked for.
    public var includeDeleted: Bool

    public init(
        state: EntitlementState? = nil,
        product: String? = nil,
        plan: String? = nil,
        account: AccountID? = nil,
        includeDeleted: Bool = false
    ) {
        self.state = state
        self.product = product
        self.plan = plan
        self.account = account
        self.includeDeleted = includeDeleted
    }
}

/// What the console's overview charts draw, counted by the store from the audit log and the ledger.
public struct ConsoleActivity: Hashable, Sendable {
    public struct Count: Hashable, Sendable {
        /// The start of the hour or day, in seconds.
        public var bucket: Int64
        public var count: Int

        public init(bucket: Int64, count: Int) {
            self.bucket = bucket
            self.count = count
        }
    }

    public struct Billed: Hashable, Sendable {
        public var day: Int64
        public var metric: String
        public var quantity: Double

        public init(day: Int64, metric: String, quantity: Double) {
            self.day = day
            self.metric = metric
            self.quantity = quantity
        }
    }

    public var notificationsPerHour: [Count] = []
    public var purchasesPerDay: [Count] = []
    public var cancellationsPerDay: [Count] = []
    /// Seconds from an entitlement's creation request to its activation, one per entitlement.
    public var activationSeconds: [Double] = []
    public var billedPerDay: [Billed] = []

    public init() {}
}
