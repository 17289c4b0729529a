public import MarketplaceCore

/// A buyer between the verified sign-up token and the submitted sign-up form. The CSRF token is
/// also set in a cookie: the form must come back from the browser the page was shown in.
public struct SignupSession: Hashable, Sendable, Codable {
    public var id: String
    public var accountID: AccountID
    /// `google.user_identity` of the token.
    public var userIdentity: String?
    public var csrfToken: String
    public var createdAt: Timestamp
    public var expiresAt: Timestamp
    public var completedAt: Timestamp?

    public init(
        id: String,
        accountID: AccountID,
        userIdentity: String?,
        csrfToken: String,
        createdAt: Timestamp,
        expiresAt: Timestamp,
        completedAt: Timestamp? = nil
    ) {
        self.id = id
        self.accountID = accountID
        self.userIdentity = userIdentity
        self.csrfToken = csrfToken
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.completedAt = completedAt
    }
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
