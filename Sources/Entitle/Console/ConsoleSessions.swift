import Crypto
public import EntitleStore
public import Foundation
public import GoogleCloud
import HTTPTypes
import Hummingbird
public import MarketplaceCore

/// Who is signed in to the admin console: the admin token is asked once, then a session cookie
/// (`HttpOnly`, `SameSite=Strict`, `Secure` on https, expiring) names a session kept in the store
/// (its hash only, so replicas share it and sign-out ends it everywhere). Every form carries the
/// session's CSRF token.
public struct ConsoleSessions: Sendable {
    static let cookie = "entitle_console"

    let store: any Store
    /// The admin token, and the one being retired during a rotation; the first keys CSRF tokens.
    let adminTokens: [String]
    /// Failed sign-ins count against the client's address.
    let throttle: AuthThrottle?
    let lifetimeSeconds: Int64
    let secureCookie: Bool
    let iap: IAP?
    let now: @Sendable () -> Timestamp

    /// Behind Identity-Aware Proxy: IAP's signed header names who is there; no cookie, no token.
    public struct IAP: Sendable {
        let verifier: IAPAssertionVerifier
        let emails: Set<String>

        public init(verifier: IAPAssertionVerifier, emails: [String]) {
            self.verifier = verifier
            self.emails = Set(emails.map { $0.lowercased() })
        }
    }

    public init(
        store: any Store,
        adminTokens: [String],
        throttle: AuthThrottle? = nil,
        lifetimeSeconds: Int64,
        secureCookie: Bool,
        iap: IAP? = nil,
        now: @escaping @Sendable () -> Timestamp = { Timestamp(Date()) }
    ) {
        self.store = store
        self.adminTokens = adminTokens
        self.throttle = throttle
        self.lifetimeSeconds = lifetimeSeconds
        self.secureCookie = secureCookie
        self.iap = iap
        self.now = now
    }

    /// The session of the request: IAP's verified, listed user behind IAP; otherwise the cookie's,
    /// if it has not ended.
    func session(_ request: Request) async throws -> ConsoleSession? {
        if let iap { return await iapSession(request, iap) }
        guard let value = SignupController.cookieValue(request.headers[.cookie], named: Self.cookie), !value.isEmpty
        else { return nil }
        return try await store.consoleSession(idHash: Handoffs.hash(value), at: now())
    }

    /// Signs in with the admin token: the new session and its Set-Cookie header; nil for a wrong
    /// token, and always behind IAP (IAP signs people in there).
    func signIn(token: String) async throws -> (ConsoleSession, String)? {
        guard iap == nil, adminTokens.map({ SecretToken.equal(token, $0) }).contains(true) else { return nil }
        let value = SecretToken.random()
        let time = now()
        let session = ConsoleSession(
            idHash: Handoffs.hash(value),
            csrfToken: SecretToken.random(),
            actor: "admin",
            createdAt: time,
            expiresAt: time.adding(seconds: lifetimeSeconds)
        )
        try await store.createConsoleSession(session)
        return (session, setCookie(value, maxAge: lifetimeSeconds))
    }

    /// Ends the request's session; the Set-Cookie header that clears the cookie.
    func signOut(_ request: Request) async throws -> String {
        if let value = SignupController.cookieValue(request.headers[.cookie], named: Self.cookie) {
            try await store.endConsoleSession(idHash: Handoffs.hash(value))
        }
        return setCookie("", maxAge: 0)
    }

    /// A session for IAP's user, valid while the assertion is; its CSRF token is derived from the
    /// email and the day (yesterday's still taken, so a page left open over midnight works).
    private func iapSession(_ request: Request, _ iap: IAP) async -> ConsoleSession? {
        guard let assertion = request.headers[HTTPField.Name(IAPAssertionVerifier.header)!],
            let identity = try? await iap.verifier.verify(assertion), iap.emails.contains(identity.email.lowercased())
        else { return nil }
        let time = now()
        return ConsoleSession(
            idHash: "iap:" + identity.email,
            csrfToken: iapCSRF(identity.email, day: time.seconds / 86400),
            actor: identity.email,
            createdAt: time,
            expiresAt: Timestamp(identity.expires)
        )
    }

    func iapCSRF(_ email: String, day: Int64) -> String {
        let key = SymmetricKey(data: SHA256.hash(data: Data(("console-csrf:" + (adminTokens.first ?? "")).utf8)))
        return HMAC<SHA256>.authenticationCode(for: Data("\(email.lowercased())|\(day)".utf8), using: key).map {
            String(format: "%02x", $0)
        }.joined()
    }

    /// Whether `csrf` is the session's token (behind IAP: today's or yesterday's).
    func accepts(_ csrf: String, for session: ConsoleSession) -> Bool {
        if iap != nil {
            let today = now().seconds / 86400
            return [today, today - 1].contains { SecretToken.equal(csrf, iapCSRF(session.actor, day: $0)) }
        }
        return SecretToken.equal(csrf, session.csrfToken)
    }

    private func setCookie(_ value: String, maxAge: Int64) -> String {
        "\(Self.cookie)=\(value); Path=/admin; HttpOnly;\(secureCookie ? " Secure;" : "") SameSite=Strict; Max-Age=\(maxAge)"
    }
}
