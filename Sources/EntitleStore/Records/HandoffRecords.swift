public import MarketplaceCore

/// A one-time code that hands a signed-up buyer to the vendor's app: the app's backend exchanges
/// it for the customer and account. Only the code's SHA-256 is kept, so a copy of the store gives
/// nobody a usable code.
public struct Handoff: Hashable, Sendable, Codable {
    /// Hex SHA-256 of the code.
    public var codeHash: String
    /// The app (its API key's name) that may redeem it.
    public var app: String
    public var accountID: AccountID
    public var customerID: String
    public var createdAt: Timestamp
    public var expiresAt: Timestamp
    public var redeemedAt: Timestamp?
    /// base64url(SHA-256(verifier)) the app sent when it asked for the code (RFC 7636's S256): only
    /// the app session that asked can redeem it. Nil only in rows from before codes were bound.
    public var challenge: String?
    /// The person the code hands over.
    public var person: MarketplacePerson?

    public init(
        codeHash: String,
        app: String,
        accountID: AccountID,
        customerID: String,
        createdAt: Timestamp,
        expiresAt: Timestamp,
        redeemedAt: Timestamp? = nil,
        challenge: String? = nil,
        person: MarketplacePerson? = nil
    ) {
        self.codeHash = codeHash
        self.app = app
        self.accountID = accountID
        self.customerID = customerID
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.redeemedAt = redeemedAt
        self.challenge = challenge
        self.person = person
    }
}

/// What redeeming a code came to. Another app's code is `unknown`: an app learns nothing of codes
/// that are not its own.
public enum HandoffRedemption: Hashable, Sendable {
    case redeemed(Handoff)
    case unknown
    case expired
    case alreadyRedeemed
}
