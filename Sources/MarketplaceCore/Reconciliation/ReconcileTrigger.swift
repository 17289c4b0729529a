/// Why a resource is being reconciled. The decision rests on the re-read resource; the trigger only
/// adds what a state cannot show (a renewal, an offer's end) and what goes in the audit log.
public enum ReconcileTrigger: Hashable, Sendable {
    case event(MarketplaceEvent)
    /// The account's buyer just completed sign-up: its waiting entitlements are looked at again.
    case signupCompleted
    /// The periodic resync found the resource while listing.
    case resync

    public var eventType: EventType? {
        if case .event(let event) = self { event.eventType } else { nil }
    }
}

/// Everything the reconciler needs to decide about one entitlement, as plain values.
public struct EntitlementSituation: Hashable, Sendable {
    public var trigger: ReconcileTrigger
    public var entitlementID: EntitlementID
    /// The entitlement as re-read from the Procurement API just now.
    public var fetched: FetchResult<Entitlement>
    public var local: LocalEntitlement?
    /// The owning account as Entitle knows it, if it does.
    public var account: LocalAccount?
    /// The policy of the entitlement's product.
    public var policy: ApprovalPolicy
    /// The time of the decision (for how long a 404 has lasted).
    public var now: Timestamp
    /// How long Google must keep answering 404 for an entitlement that was not cancelled before
    /// Entitle believes it is gone and announces the end; 0 believes the first 404.
    public var absenceConfirmationSeconds: Int64

    public init(
        trigger: ReconcileTrigger,
        entitlementID: EntitlementID,
        fetched: FetchResult<Entitlement>,
        local: LocalEntitlement?,
        account: LocalAccount?,
        policy: ApprovalPolicy,
        now: Timestamp = .earliest,
        absenceConfirmationSeconds: Int64 = 0
    ) {
        self.trigger = trigger
        self.entitlementID = entitlementID
        self.fetched = fetched
        self.local = local
        self.account = account
        self.policy = policy
        self.now = now
        self.absenceConfirmationSeconds = absenceConfirmationSeconds
    }
}

/// Everything the reconciler needs to decide about one account.
public struct AccountSituation: Hashable, Sendable {
    public var trigger: ReconcileTrigger
    public var accountID: AccountID
    public var fetched: FetchResult<Account>
    public var local: LocalAccount?

    public init(trigger: ReconcileTrigger, accountID: AccountID, fetched: FetchResult<Account>, local: LocalAccount?) {
        self.trigger = trigger
        self.accountID = accountID
        self.fetched = fetched
        self.local = local
    }
}
