import Crypto
public import EntitleStore
public import Foundation
import HTTPTypes
public import Hummingbird
public import MarketplaceCore
import Mustache
import NIOCore

/// The admin console at `/admin`: server-rendered pages over the same store and
/// processor as the admin API, every action a form with the session's CSRF token. Pages that need
/// a session send the browser to sign in; a form whose token is not its session's is refused.
public struct ConsoleController: Sendable {
    public struct Settings: Sendable {
        /// The buyer simulator, in sandbox mode.
        public var buyerURL: URL?
        /// What the settings page shows: the effective configuration, secrets masked.
        public var configuration: [(String, String)]
        public var replica: String

        public init(buyerURL: URL?, configuration: [(String, String)], replica: String) {
            self.buyerURL = buyerURL
            self.configuration = configuration
            self.replica = replica
        }
    }

    let store: any Store
    let processor: NotificationProcessor
    /// Decisions and repairs, shared with the admin API (the console's twin).
    var actions: AdminActions { AdminActions(store: store, processor: processor) }
    let sessions: ConsoleSessions
    let usageReporter: UsageReporter?
    let settings: Settings
    let now: @Sendable () -> Timestamp

    public init(
        store: any Store,
        processor: NotificationProcessor,
        sessions: ConsoleSessions,
        usageReporter: UsageReporter?,
        settings: Settings,
        now: @escaping @Sendable () -> Timestamp = { Timestamp(Date()) }
    ) {
        self.store = store
        self.processor = processor
        self.sessions = sessions
        self.usageReporter = usageReporter
        self.settings = settings
        self.now = now
    }

    public func register<Context: RequestContext>(on router: Router<Context>) {
        router.get("admin/sign-in") { request, _ in
            if try await sessions.session(request) != nil { return Self.redirect("/admin") }
            if sessions.iap != nil { return signInPlease(request) }
            return render("sign-in", ["title": "Sign in"], session: nil, request: request)
        }
        router.post("admin/sign-in") { request, context in
            let client = sessions.throttle?.client(request, context) ?? ""
            do { try sessions.throttle?.check(client, credential: "console") } catch let problem as APIProblem {
                var response = render(
                    "sign-in",
                    ["title": "Sign in", "error": "Too many failed sign-ins from this address: try again later."],
                    session: nil,
                    request: request,
                    status: .tooManyRequests
                )
                response.headers.append(contentsOf: problem.headers)
                return response
            }
            let fields = try await Self.form(request)
            guard let (_, cookie) = try await sessions.signIn(token: fields["token"] ?? "") else {
                sessions.throttle?.failed(client, credential: "console")
                return render(
                    "sign-in",
                    ["title": "Sign in", "error": "That is not the admin token."],
                    session: nil,
                    request: request,
                    status: .unauthorized
                )
            }
            var response = Self.redirect("/admin")
            response.headers[.setCookie] = cookie
            return response
        }
        router.post("admin/sign-out") { request, _ in
            try await action(request) { _, _ in
                // Behind IAP, IAP's own sign-out clears its cookie.
                if sessions.iap != nil { return Self.redirect("/_gcp_iap/clear_login_cookie") }
                var response = Self.redirect("/admin/sign-in?notice=signed-out")
                response.headers[.setCookie] = try await sessions.signOut(request)
                return response
            }
        }
        registerPages(on: router)
        registerActions(on: router)
    }

    /// A page for a signed-in admin; the sign-in page otherwise.
    func page(_ request: Request, _ body: (ConsoleSession) async throws -> Response) async throws -> Response {
        guard let session = try await sessions.session(request) else { return signInPlease(request) }
        return try await body(session)
    }

    /// A form's action: a signed-in admin, and the form's CSRF token is the session's.
    func action(
        _ request: Request,
        _ body: (ConsoleSession, [String: String]) async throws -> Response
    ) async throws -> Response {
        guard let session = try await sessions.session(request) else { return signInPlease(request) }
        let fields = try await Self.form(request)
        guard let csrf = fields["csrf"], sessions.accepts(csrf, for: session) else {
            return render(
                "sign-in",
                [
                    "title": "Refused",
                    "error":
                        "This form was not sent from the console (its CSRF token does not match). Reload the page and try again.",
                ],
                session: nil,
                request: request,
                status: .forbidden
            )
        }
        return try await body(session, fields)
    }

    /// Without a session: to the sign-in page, or behind IAP a refusal (IAP signs people in).
    func signInPlease(_ request: Request) -> Response {
        guard sessions.iap != nil else { return Self.redirect("/admin/sign-in") }
        let message = "The console is behind Identity-Aware Proxy: reach it through IAP with an account it lets in."
        return render(
            "sign-in",
            ["title": "Refused", "error": message, "iap": true],
            session: nil,
            request: request,
            status: .forbidden
        )
    }

    func render(
        _ template: String,
        _ values: [String: Any],
        session: ConsoleSession?,
        request: Request,
        status: HTTPResponse.Status = .ok
    ) -> Response {
        var all = values
        if let session {
            all["signedIn"] = true
            all["csrf"] = session.csrfToken
            all["actor"] = session.actor
            if let buyerURL = settings.buyerURL { all["buyerURL"] = buyerURL.absoluteString }
        }
        let query = request.uri.queryParameters
        if let session {
            for kind in Alert.allCases where all[kind.rawValue] == nil {
                guard let text = query.get(kind.rawValue), let seal = query.get("seal"),
                    SecretToken.equal(seal, Self.seal(kind, text, session))
                else { continue }
                all[kind.rawValue] = text
            }
        } else if all["notice"] == nil, let id = query.get("notice") {
            all["notice"] = Self.signInNotices[id]
        }
        let html = ConsolePages.library.render(all, withTemplate: template) ?? ""
        return Response(
            status: status,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                HTTPField.Name("X-Frame-Options")!: "DENY",
                HTTPField.Name("Content-Security-Policy")!:
                    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'",
                HTTPField.Name("Referrer-Policy")!: "same-origin",
            ],
            body: ResponseBody(byteBuffer: ByteBuffer(string: html))
        )
    }

    /// What a page says at its top after an action.
    enum Alert: String, CaseIterable {
        case notice, error
    }

    /// The sign-in page's only alerts, by id: it shows no text from its URL, which anyone can write.
    static let signInNotices = ["signed-out": "Signed out."]

    /// To `path`, saying `text` there. The text rides in the URL sealed with the session's CSRF
    /// token: a link someone else wrote ("?error=Call this number") shows nothing.
    static func alert(_ path: String, _ kind: Alert, _ text: String, _ session: ConsoleSession) -> Response {
        let separator = path.contains("?") ? "&" : "?"
        return redirect(
            path + separator + kind.rawValue + "=" + encode(text) + "&seal=" + seal(kind, text, session)
        )
    }

    static func seal(_ kind: Alert, _ text: String, _ session: ConsoleSession) -> String {
        let code = HMAC<SHA256>.authenticationCode(
            for: Data((kind.rawValue + ":" + text).utf8),
            using: SymmetricKey(data: Data(session.csrfToken.utf8))
        )
        return code.prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }

    /// The form's fields; none for a body that is not a form or is over 64 KiB (its CSRF check fails).
    static func form(_ request: Request) async throws -> [String: String] {
        guard let body = try? await request.body.collect(upTo: 64 * 1024) else { return [:] }
        return FormFields.parse(String(buffer: body)) ?? [:]
    }

    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
    }
}
