public import MarketplaceCore

/// What `POST /emulator/v1/purchases` answers: the account and the order Google made, and the
/// sign-up token Marketplace would POST to the vendor's sign-up URL.
public struct EmulatorPurchase: Codable, Sendable {
    public var accountId: String
    public var entitlementId: String
    public var account: Account
    public var entitlement: Entitlement
    /// What Marketplace POSTs as `x-gcp-marketplace-token` to `signupURL` (valid 5 minutes).
    public var signupToken: String
    public var signupURL: String

    public init(
        accountId: String,
        entitlementId: String,
        account: Account,
        entitlement: Entitlement,
        signupToken: String,
        signupURL: String
    ) {
        self.accountId = accountId
        self.entitlementId = entitlementId
        self.account = account
        self.entitlement = entitlement
        self.signupToken = signupToken
        self.signupURL = signupURL
    }
}

/// The body of `POST /emulator/v1/purchases`.
public struct EmulatorPurchaseRequest: Codable, Sendable {
    /// An existing account buying again; a new one when absent.
    public var account: String?
    public var product: String
    public var plan: String
    public var offer: OfferTerms?
    public var consumerProject: String?

    public init(
        account: String? = nil,
        product: String,
        plan: String,
        offer: OfferTerms? = nil,
        consumerProject: String? = nil
    ) {
        self.account = account
        self.product = product
        self.plan = plan
        self.offer = offer
        self.consumerProject = consumerProject
    }
}
