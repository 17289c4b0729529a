public import MarketplaceCore

/// A buyer's visit from Marketplace: opened when Marketplace POSTs a verified sign-up token (for a
/// new buyer and a returning one alike), good for minutes. Only hashes of the codes are kept:
/// `id` is the SHA-256 of the session code the browser holds (the hosted form's hidden field, or
/// the vendor's page URL in redirect mode); `browserHash` that of the cookie set on the browser
/// that brought the token, which the later steps (a redirect-mode completion, a hand-off) must
/// come back with, so a code carried into another browser links and signs in nothing.
public struct SignupSession: Hashable, Sendable, Codable {
    public var id: String
    public var accountID: AccountID
    /// `google.user_identity` of the token.
    public var userIdentity: String?
    /// `google.roles` and `google.orders` of the token.
    public var roles: [String]
    public var orders: [String]
    /// The hosted form's CSRF token (also in a `SameSite=Strict` cookie).
    public var csrfToken: String
    public var browserHash: String?
    /// SHA-256 of the sign-up token that opened it: once a session of a token is completed, the
    /// token (good for minutes) opens no other.
    public var tokenHash: String?
    /// Redirect mode: the link the vendor's page asked for, waiting for the browser to come back.
    public var proposal: SignupProposal?
    public var createdAt: Timestamp
    public var expiresAt: Timestamp
    public var completedAt: Timestamp?

    public init(
        id: String,
        accountID: AccountID,
        userIdentity: String?,
        roles: [String] = [],
        orders: [String] = [],
        csrfToken: String,
        browserHash: String? = nil,
        tokenHash: String? = nil,
        proposal: SignupProposal? = nil,
        createdAt: Timestamp,
        expiresAt: Timestamp,
        completedAt: Timestamp? = nil
    ) {
        self.id = id
        self.accountID = accountID
        self.userIdentity = userIdentity
        self.roles = roles
        self.orders = orders
        self.csrfToken = csrfToken
        self.browserHash = browserHash
        self.tokenHash = tokenHash
        self.proposal = proposal
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.completedAt = completedAt
    }
}

/// Redirect mode: the vendor's page asked to link the session's account to its customer. It takes
/// effect only when the browser that brought the sign-up token opens the continue link, whose
/// code's hash is `codeHash`.
public struct SignupProposal: Hashable, Sendable, Codable {
    public var codeHash: String
    public var customerID: String
    public var company: String?
    public var contactName: String?
    public var email: String?
    public var at: Timestamp

    public init(
        codeHash: String,
        customerID: String,
        company: String? = nil,
        contactName: String? = nil,
        email: String? = nil,
        at: Timestamp
    ) {
        self.codeHash = codeHash
        self.customerID = customerID
        self.company = company
        self.contactName = contactName
        self.email = email
        self.at = at
    }
}

/// The person a sign-up token named: who the app is told it is handing over.
public struct MarketplacePerson: Hashable, Sendable, Codable {
    /// `google.user_identity`: stable per Google account, obfuscated; nil when the token had none.
    public var identity: String?
    public var roles: [String]
    /// The order ids the token named.
    public var orders: [String]

    public init(identity: String?, roles: [String] = [], orders: [String] = []) {
        self.identity = identity
        self.roles = roles
        self.orders = orders
    }
}

extension SignupSession {
    public var person: MarketplacePerson { MarketplacePerson(identity: userIdentity, roles: roles, orders: orders) }
}

/// The vendor's customer a Marketplace account is linked to. Personal fields are nil once erased.
public struct Customer: Hashable, Sendable, Codable {
    public var id: String
    public var company: String?
    public var contactName: String?
    public var email: String?
    public var createdAt: Timestamp
    public var erasedAt: Timestamp?

    public init(
        id: String,
        company: String?,
        contactName: String?,
        email: String?,
        createdAt: Timestamp,
        erasedAt: Timestamp? = nil
    ) {
        self.id = id
        self.company = company
        self.contactName = contactName
        self.email = email
        self.createdAt = createdAt
        self.erasedAt = erasedAt
    }
}

/// A person of a Marketplace account, as their sign-up tokens named them: recorded each time one
/// arrives with a valid token (first and last seen, their roles and orders as the latest token
/// said).
public struct AccountPerson: Hashable, Sendable, Codable {
    public var accountID: AccountID
    /// `google.user_identity`.
    public var identity: String
    public var roles: [String]
    public var orders: [String]
    public var firstSeen: Timestamp
    public var lastSeen: Timestamp

    public init(
        accountID: AccountID,
        identity: String,
        roles: [String],
        orders: [String],
        firstSeen: Timestamp,
        lastSeen: Timestamp
    ) {
        self.accountID = accountID
        self.identity = identity
        self.roles = roles
        self.orders = orders
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
    }
}
