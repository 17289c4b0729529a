import Entitle
public import Foundation
import Synchronization

/// One buyer's browser as Entitle's sign-up pages see it: a cookie jar in front of a client that
/// does not follow redirects. Two of them are two browsers: a code one obtains can be tried in
/// the other.
public final class SignupBrowser: Sendable {
    public let site: JSONHTTPClient
    private let jar = Mutex<[String: String]>([:])

    public init(_ site: JSONHTTPClient) { self.site = site.anonymous }

    public var cookies: [String: String] { jar.withLock { $0 } }

    /// One exchange with the browser's cookies; the cookies it sets are kept.
    public func send(_ method: String, _ path: String, form: [(String, String)]? = nil) async throws -> HTTPReply {
        var headers: [String: String] = [:]
        let cookie = jar.withLock { $0.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" } }
        if !cookie.isEmpty { headers["Cookie"] = cookie.joined(separator: "; ") }
        if form != nil { headers["Content-Type"] = "application/x-www-form-urlencoded" }
        let reply = try await site.send(method, path, raw: form.map(SignupDriver.form), headers: headers)
        jar.withLock { $0.merge(reply.cookies) { $1 } }
        return reply
    }

    /// Marketplace's POST of the sign-up token, as the buyer's browser makes it.
    public func arrive(token: String) async throws -> HTTPReply {
        try await send("POST", "signup", form: [("x-gcp-marketplace-token", token)])
    }

    /// Marketplace's POST, then the hosted form when one is shown: where the buyer is sent at the end.
    public func signUp(
        token: String,
        company: String = "Example Ltd",
        contactName: String = "Ada Lovelace",
        email: String = "ada@example.com"
    ) async throws -> URL? {
        let page = try await arrive(token: token)
        if page.status == 303 { return page.location }
        guard let session = SignupDriver.hidden("session", in: page.text),
            let csrf = SignupDriver.hidden("csrf", in: page.text)
        else { throw SignupDriver.Failure(description: "no sign-up form: \(page)") }
        let fields = [
            ("session", session), ("csrf", csrf), ("company", company), ("contactName", contactName), ("email", email),
        ]
        let done = try await send("POST", "signup/complete", form: fields)
        guard done.status == 303 else {
            throw SignupDriver.Failure(description: "the sign-up form was refused: \(done)")
        }
        return done.location
    }

    /// The app asks Entitle, through this browser, for a hand-off code bound to `verifier`.
    public func askForHandoff(verifier: String) async throws -> HTTPReply {
        let challenge = SignupBrowser.challenge(verifier: verifier)
        return try await send("GET", "signup/handoff?challenge=\(challenge)")
    }

    /// The code of a hand-off answer (`appURL?code=`).
    public static func code(_ reply: HTTPReply) -> String? {
        reply.location.flatMap { URLComponents(url: $0, resolvingAgainstBaseURL: false) }?.queryItems?
            .first { $0.name == "code" }?.value
    }

    /// RFC 7636's S256, as an app computes it.
    public static func challenge(verifier: String) -> String { Handoffs.challenge(verifier: verifier) }

    /// A verifier as an app makes one: 43 characters of base64url.
    public static func newVerifier() -> String {
        (0..<43).map { _ in
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".randomElement()!
        }.map(String.init).joined()
    }
}

extension HTTPReply {
    public var location: URL? { headers["location"].flatMap(URL.init(string:)) }
}
