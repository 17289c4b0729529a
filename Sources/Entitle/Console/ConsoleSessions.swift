public import EntitleStore
public import Foundation
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
    let adminToken: String
    let lifetimeSeconds: Int64
    let secureCookie: Bool
    let now: @Sendable () -> Timestamp

    public init(
        store: any Store,
        adminToken: String,
        lifetimeSeconds: Int64,
        secureCookie: Bool,
        now: @escaping @Sendable () -> Timestamp = { Timestamp(Date()) }
    ) {
        self.store = store
        self.adminToken = adminToken
        self.lifetimeSeconds = lifetimeSeconds
        self.secureCookie = secureCookie
        self.now = now
    }

    /// The session of the request's cookie, if it is one that has not ended.
    func session(_ request: Request) async throws -> ConsoleSession? {
        guard let value = SignupController.cookieValue(request.headers[.cookie], named: Self.cookie), !value.isEmpty else { return nil }
        return try await store.consoleSession(idHash: Handoffs.hash(value), at: now())
    }

    /// Signs in with the admin token: the new session and its Set-Cookie header; nil for a wrong token.
    func signIn(token: String) async throws -> (ConsoleSession, String)? {
        guard SignupFlow.constantTimeEquals(token, adminToken) else { return nil }
        let value = SignupFlow.randomToken()
        let time = now()
        let session = ConsoleSession(
            idHash: Handoffs.hash(value),
            csrfToken: SignupFlow.randomToken(),
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

    private func setCookie(_ value: String, maxAge: Int64) -> String {
        "\(Self.cookie)=\(value); Path=/admin; HttpOnly;\(secureCookie ? " Secure;" : "") SameSite=Strict; Max-Age=\(maxAge)"
    }
}
