public import MarketplaceCore

/// The OAuth client Gemini Enterprise was given for one order of an agent (Dynamic Client
/// Registration): one per entitlement, created at the vendor's identity provider by the replica
/// that claimed it, ended (deleted there, kept here) when the order leaves service.
public struct AgentClient: Hashable, Sendable {
    public enum State: String, Sendable {
        /// A replica is creating the client at the identity provider.
        case registering
        case active
        /// The order left service and the client was deleted at the identity provider.
        case ended
    }

    public var entitlementID: EntitlementID
    public var accountID: AccountID
    public var redirectURIs: [String]
    public var state: State
    public var clientID: String?
    /// The client's secret and the identity provider's management credentials, sealed by the
    /// caller (the store never sees them in clear).
    public var sealedCredentials: String?
    public var claimant: String?
    public var claimedAt: Timestamp
    public var registeredAt: Timestamp?
    public var endedAt: Timestamp?

    public init(
        entitlementID: EntitlementID,
        accountID: AccountID,
        redirectURIs: [String],
        state: State = .registering,
        clientID: String? = nil,
        sealedCredentials: String? = nil,
        claimant: String? = nil,
        claimedAt: Timestamp,
        registeredAt: Timestamp? = nil,
        endedAt: Timestamp? = nil
    ) {
        self.entitlementID = entitlementID
        self.accountID = accountID
        self.redirectURIs = redirectURIs
        self.state = state
        self.clientID = clientID
        self.sealedCredentials = sealedCredentials
        self.claimant = claimant
        self.claimedAt = claimedAt
        self.registeredAt = registeredAt
        self.endedAt = endedAt
    }
}

/// What asking to register an order's client found.
public enum AgentClientClaim: Hashable, Sendable {
    /// The caller holds the claim: it creates the client, then records or abandons it.
    case claimed
    /// The order has its client already (or had: `state` says).
    case existing(AgentClient)
    /// Another replica or request is creating it now.
    case busy
}
