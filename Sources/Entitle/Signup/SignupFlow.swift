public import EntitleStore
public import Foundation
public import GoogleCloud
public import Logging
public import MarketplaceCore

/// The buyer's way from Marketplace's sign-up POST to the vendor's app (contract §4): the token
/// is verified, the buyer fills in the sign-up form, the account is linked to a customer, and
/// only then is its `signup` approval given; the account's waiting orders are then decided again
/// (the `after-signup` policy approves them now). A returning account goes straight to the app.
/// Every code a browser receives is good only in that browser (`SignupSession.browserHash`).
public struct SignupFlow: Sendable {
    public enum Start: Sendable {
        /// Show the form for this session; `code` goes in its hidden field (only its hash is kept).
        case form(SignupSession, code: String)
        /// The account signed up before: on to the app (or the vendor's log-in page).
        case returning(URL)
        /// Redirect mode: on to the vendor's own sign-up page, with the session's code.
        case external(URL)
    }

    /// Where the buyer goes, and the cookie that binds the session to their browser (set by
    /// `SignupController` on every start: it is what a later step must come back with).
    public struct Begun: Sendable {
        public var start: Start
        public var browser: String
    }

    /// What the vendor's own sign-up page tells Entitle about the buyer (redirect mode).
    public struct ExternalSignup: Hashable, Sendable {
        /// The vendor's id for the customer; several accounts may share it.
        public var customerID: String
        public var company: String?
        public var contactName: String?
        public var email: String?

        public init(customerID: String, company: String? = nil, contactName: String? = nil, email: String? = nil) {
            self.customerID = customerID
            self.company = company
            self.contactName = contactName
            self.email = email
        }

        /// Why it cannot be taken; nil when it can.
        public var problem: String? {
            if customerID.isEmpty || customerID.utf8.count > 128
                || customerID.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
            {
                return "customerId must be 1 to 128 bytes without control characters"
            }
            for (name, value) in [("company", company), ("contactName", contactName), ("email", email)]
            where (value?.count ?? 0) > 254 {
                return "\(name) is longer than 254 characters"
            }
            return nil
        }
    }

    public struct Form: Hashable, Sendable {
        public var company: String
        public var contactName: String
        public var email: String

        public init(company: String, contactName: String, email: String) {
            self.company = company
            self.contactName = contactName
            self.email = email
        }

        /// Field name → what is wrong with it; empty when the form can be taken.
        public var problems: [String: String] {
            var problems: [String: String] = [:]
            let company = company.trimmingCharacters(in: .whitespacesAndNewlines)
            if company.isEmpty || company.count > 200 {
                problems["company"] = "Enter your company's name (at most 200 characters)."
            }
            if contactName.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty || contactName.count > 200 {
                problems["contactName"] = "Enter a contact name (at most 200 characters)."
            }
            let parts = email.trimmingCharacters(in: .whitespaces).split(
                separator: "@",
                omittingEmptySubsequences: false
            )
            if parts.count != 2 || parts[0].isEmpty || !parts[1].contains(".") || email.count > 254
                || email.contains(where: \.isWhitespace)
            {
                problems["email"] = "Enter an email address such as name@example.com."
            }
            return problems
        }
    }

    let store: any Store
    let procurement: ProcurementClient
    let verifier: MarketplaceTokenVerifier
    let processor: NotificationProcessor
    /// Where a signed-up buyer goes; with hand-offs, the app asks there for a code
    /// (`handoffURL(browser:challenge:)`).
    let appURL: URL
    /// Returning buyers go here instead of `appURL` (the vendor's log-in page), when set.
    let loginURL: URL?
    /// Codes handing the buyer to the app; nil: the app is sent to with nothing attached.
    let handoffs: Handoffs?
    /// Redirect mode: the vendor's own sign-up page; nil: Entitle's hosted form.
    let externalPage: URL?
    /// `{publicURL}/signup/continue`: where the vendor's page sends the browser to finish linking.
    let continueURL: @Sendable () async -> URL
    let sessionLifetime: Int64
    /// Starts per account (the per-address limit is the controller's, before any token is read).
    let rateLimit: SignupRateLimit?
    let logger: Logger
    let now: @Sendable () -> Timestamp

    /// The longest a sign-up session, and so any code made from it, can live.
    public static let maxSessionSeconds: Int64 = 600

    public init(
        store: any Store,
        procurement: ProcurementClient,
        verifier: MarketplaceTokenVerifier,
        processor: NotificationProcessor,
        appURL: URL,
        loginURL: URL? = nil,
        handoffs: Handoffs? = nil,
        externalPage: URL? = nil,
        continueURL: @escaping @Sendable () async -> URL = { URL(string: "http://127.0.0.1:8080/signup/continue")! },
        sessionLifetimeSeconds: Int64 = 600,
        rateLimit: SignupRateLimit? = nil,
        logger: Logger = Logger(label: "entitle.signup"),
        now: @escaping @Sendable () -> Timestamp = { Timestamp(Date()) }
    ) {
        self.store = store
        // A buyer waits on every call of this flow: a few quick tries, then a page to try again.
        self.procurement = procurement.interactive()
        self.verifier = verifier
        self.processor = processor
        self.appURL = appURL
        self.loginURL = loginURL
        self.handoffs = handoffs
        self.externalPage = externalPage
        self.continueURL = continueURL
        self.sessionLifetime = min(sessionLifetimeSeconds, Self.maxSessionSeconds)
        self.rateLimit = rateLimit
        self.logger = logger
        self.now = now
    }

    /// Verifies Marketplace's token and opens a session bound to the browser that brought it, for
    /// a new buyer (the form, or the vendor's page) and a returning one (on to the app) alike.
    public func begin(token: String) async throws -> Begun {
        let claims: MarketplaceTokenVerifier.Claims
        do { claims = try await verifier.verify(token) } catch { throw SignupError.invalidToken(error) }
        if let wait = rateLimit?.admit(account: claims.accountID.rawValue) { throw SignupError.tooMany(wait) }
        // A token is good for minutes; once it completed a sign-up, a replay of it opens nothing.
        let tokenHash = Handoffs.hash(token)
        guard try await !store.signupTokenCompleted(tokenHash: tokenHash) else { throw SignupError.tokenUsed }
        let (code, browser, time) = (SecretToken.random(), SecretToken.random(), now())
        var session = SignupSession(
            id: Handoffs.hash(code),
            accountID: claims.accountID,
            userIdentity: claims.userIdentity,
            roles: claims.roles,
            orders: claims.orders,
            csrfToken: SecretToken.random(),
            browserHash: Handoffs.hash(browser),
            tokenHash: tokenHash,
            createdAt: time,
            expiresAt: time.adding(seconds: sessionLifetime)
        )
        if try await store.customer(forAccount: claims.accountID) != nil,
            let account = try await store.account(claims.accountID),
            account.isSignedUp
        {
            try await approveAgainIfPending(account)
            try await record(claims, at: time, linked: true)
            session.completedAt = time
            try await store.createSignupSession(session)
            return Begun(start: .returning(loginURL ?? appURL), browser: browser)
        }
        try await record(claims, at: time, linked: false)
        try await store.createSignupSession(session)
        guard let externalPage else { return Begun(start: .form(session, code: code), browser: browser) }
        return Begun(start: .external(Handoffs.adding(code: code, to: externalPage)), browser: browser)
    }

    /// The person the token named, seen now; a newcomer to an account already linked is announced
    /// (`account.person_added`), once.
    private func record(_ claims: MarketplaceTokenVerifier.Claims, at time: Timestamp, linked: Bool) async throws {
        guard let identity = claims.userIdentity else { return }
        let person = AccountPerson(
            accountID: claims.accountID,
            identity: identity,
            roles: claims.roles,
            orders: claims.orders,
            firstSeen: time,
            lastSeen: time
        )
        var callback: OutboxItem?
        if linked {
            let request = CallbackRequest(kind: .personAdded, accountID: claims.accountID, entitlementID: nil)
            var message = CallbackMessage(
                request: request,
                cause: "person:\(claims.accountID.rawValue):\(identity)",
                eventID: nil,
                entitlement: nil,
                createdAt: time
            )
            message.user = CallbackUser(identity: identity, roles: claims.roles)
            callback = message.outboxItem(request)
        }
        if try await store.recordPerson(person, callbackIfNew: callback), linked {
            logger.info("a new person of a linked account", metadata: ["account": "\(claims.accountID)"])
        }
    }

    /// Takes the submitted form: links the customer, approves the account, decides its orders.
    /// - Returns: where to send the buyer.
    public func complete(sessionCode: String, csrfToken: String, form: Form) async throws -> URL {
        let found = try await store.signupSession(id: Handoffs.hash(sessionCode))
        guard let session = found else { throw SignupError.unknownSession }
        guard SecretToken.equal(session.csrfToken, csrfToken) else { throw SignupError.forgedForm }
        guard session.completedAt != nil || now() < session.expiresAt else { throw SignupError.expiredSession }
        let problems = form.problems
        guard problems.isEmpty else { throw SignupError.invalidForm(problems) }
        let customer = Customer(
            id: UUID().uuidString.lowercased(),
            company: form.company.trimmingCharacters(in: .whitespacesAndNewlines),
            contactName: form.contactName.trimmingCharacters(in: .whitespacesAndNewlines),
            email: form.email.trimmingCharacters(in: .whitespaces),
            createdAt: now()
        )
        _ = try await link(session, customer)
        return appURL
    }
}

/// Why a sign-up cannot go on; each maps to a page the buyer understands.
public enum SignupError: Error, CustomStringConvertible {
    case invalidToken(any Error)
    case unknownSession
    case expiredSession
    case forgedForm
    case invalidForm([String: String])
    /// Redirect mode: the code was used to complete a sign-up already.
    case alreadyCompleted
    /// A code opened in a browser other than the one that brought the sign-up token (or with no
    /// sign-up of its own in progress).
    case otherBrowser
    /// The sign-up token completed a sign-up already: a replay.
    case tokenUsed
    /// Too many sign-ups started from this address or for this account; wait this many seconds.
    case tooMany(Int)

    public var description: String {
        switch self {
        case .invalidToken(let error): "the sign-up token is not valid: \(error)"
        case .unknownSession: "no such sign-up session"
        case .expiredSession: "the sign-up session expired"
        case .forgedForm: "the form did not come from the sign-up page"
        case .invalidForm(let problems): "the form has problems: \(problems)"
        case .alreadyCompleted: "the sign-up was completed already"
        case .otherBrowser: "the link was opened in another browser than the one that came from Marketplace"
        case .tokenUsed: "the sign-up token completed a sign-up already (a replay)"
        case .tooMany(let seconds): "too many sign-ups started; the next in \(seconds) s"
        }
    }
}
