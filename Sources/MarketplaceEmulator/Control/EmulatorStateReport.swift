public import MarketplaceCore

/// What `GET /emulator/v1/state` answers: Google's side as a buyer or a test sees it.
public struct EmulatorStateReport: Codable, Sendable {
    public var now: Timestamp
    public var accounts: [Account]
    public var entitlements: [Entitlement]
    /// Each subscription's messages by where they stand, so a test or a person can see that
    /// everything handed out was acked (Pub/Sub's own view of this is Cloud Monitoring's).
    public var subscriptions: [String: SubscriptionCounts]

    public struct SubscriptionCounts: Codable, Sendable {
        /// Waiting to be pulled or pushed.
        public var ready: Int
        /// Handed out, neither acked nor past their deadline yet.
        public var leased: Int
        /// Held back by the fault plan.
        public var held: Int
    }
}

/// What `POST /emulator/v1/accounts/{id}/signup-token` answers: a fresh token for an account, as
/// Marketplace makes one each time the buyer clicks through to the vendor.
public struct EmulatorSignupToken: Codable, Sendable {
    public var token: String
    /// The vendor's sign-up URL the browser POSTs `x-gcp-marketplace-token` to.
    public var signupURL: String
}
