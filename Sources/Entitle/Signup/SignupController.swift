import EntitleStore
import Foundation
import GoogleCloud
import HTTPTypes
public import Hummingbird
public import Logging
import Mustache
import NIOCore

/// `POST /signup` (Marketplace's form POST with `x-gcp-marketplace-token`) and
/// `POST /signup/complete` (the sign-up form). The CSRF token is in the form and in a
/// `SameSite=Strict` cookie; both must match the session's. Pages are never cached or framed.
public struct SignupController: Sendable {
    static let cookie = "entitle_signup"
    static let maxFormBytes = 64 * 1024

    let flow: SignupFlow
    let logger: Logger

    public init(flow: SignupFlow, logger: Logger = Logger(label: "entitle.signup")) {
        self.flow = flow
        self.logger = logger
    }

    struct TokenForm: Decodable {
        var token: String?
        enum CodingKeys: String, CodingKey { case token = "x-gcp-marketplace-token" }
    }

    struct CompleteForm: Decodable {
        var session: String?
        var csrf: String?
        var company: String?
        var contactName: String?
        var email: String?
    }

    public func register<Context: RequestContext>(on router: Router<Context>) {
        router.post("signup") { request, _ in try await begin(request) }
        router.post("signup/complete") { request, _ in try await complete(request) }
    }

    func begin(_ request: Request) async throws -> Response {
        let form: TokenForm?
        do { form = try await Self.decodeForm(request) } catch { return Self.tooLarge }
        guard let form, let token = form.token, !token.isEmpty else {
            return Self.problem(
                .badRequest,
                "Sign-up link incomplete",
                "This page expects the sign-up request Google Cloud Marketplace sends. Start again from your order in the Marketplace."
            )
        }
        do {
            switch try await flow.begin(token: token) {
            case .returning(let url):
                return Self.redirect(url)
            case .form(let session):
                var response = Self.page(.ok, "signup", ["title": "Finish signing up", "session": session.id, "csrf": session.csrfToken])
                response.headers[.setCookie] = "\(Self.cookie)=\(session.csrfToken); Path=/signup; HttpOnly; Secure; SameSite=Strict; Max-Age=1800"
                return response
            }
        } catch let error as SignupError {
            logger.warning("sign-up refused", metadata: ["reason": "\(error)"])
            return Self.page(for: error)
        }
    }

    func complete(_ request: Request) async throws -> Response {
        let form: CompleteForm?
        do { form = try await Self.decodeForm(request) } catch { return Self.tooLarge }
        guard let form, let session = form.session, let csrf = form.csrf else {
            return Self.problem(.badRequest, "Form incomplete", "Please use the sign-up page to sign up.")
        }
        let cookie = Self.cookieValue(request.headers[.cookie], named: Self.cookie)
        guard cookie == csrf else { return Self.page(for: .forgedForm) }
        let fields = SignupFlow.Form(company: form.company ?? "", contactName: form.contactName ?? "", email: form.email ?? "")
        do {
            return Self.redirect(try await flow.complete(sessionID: session, csrfToken: csrf, form: fields))
        } catch SignupError.invalidForm(let problems) {
            let values: [String: Any] = [
                "title": "Finish signing up", "session": session, "csrf": csrf, "company": fields.company, "contactName": fields.contactName,
                "email": fields.email, "problems": problems,
            ]
            return Self.page(.unprocessableContent, "signup", values)
        } catch let error as SignupError {
            logger.warning("sign-up refused", metadata: ["reason": "\(error)"])
            return Self.page(for: error)
        }
    }

    static func page(for error: SignupError) -> Response {
        switch error {
        case .invalidToken(let reason as TokenVerificationError) where reason == .expired:
            problem(
                .unauthorized,
                "This sign-up link has expired",
                "Sign-up links are valid for a few minutes. Return to your order in Google Cloud Marketplace and choose Sign up again."
            )
        case .invalidToken:
            problem(
                .unauthorized,
                "This sign-up link is not valid",
                "We could not confirm this request came from Google Cloud Marketplace. Return to your order and choose Sign up again."
            )
        case .unknownSession, .expiredSession:
            problem(.gone, "This sign-up page has expired", "Return to your order in Google Cloud Marketplace and choose Sign up again.")
        case .forgedForm:
            problem(
                .forbidden,
                "Please sign up from the sign-up page",
                "The form was not sent from the page we showed you. Return to your order and choose Sign up again."
            )
        case .invalidForm:
            problem(.unprocessableContent, "Some fields need attention", "Please go back and check the form.")
        }
    }

    static func problem(_ status: HTTPResponse.Status, _ title: String, _ message: String) -> Response {
        page(status, "problem", ["title": title, "message": message])
    }

    static func page(_ status: HTTPResponse.Status, _ template: String, _ values: [String: Any]) -> Response {
        let html = SignupPages.library.render(values, withTemplate: template) ?? ""
        return Response(
            status: status,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                HTTPField.Name("X-Frame-Options")!: "DENY",
                HTTPField.Name("Content-Security-Policy")!: "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
            ],
            body: ResponseBody(byteBuffer: ByteBuffer(string: html))
        )
    }

    static func redirect(_ url: URL) -> Response {
        Response(status: .seeOther, headers: [.location: url.absoluteString, .cacheControl: "no-store"])
    }

    /// The form, or nil when it is not one.
    /// - Throws: when the body is larger than `maxFormBytes` (a sign-up form is a few hundred bytes).
    static func decodeForm<Form: Decodable>(_ request: Request) async throws -> Form? {
        let body = try await request.body.collect(upTo: maxFormBytes)
        return try? URLEncodedFormDecoder().decode(Form.self, from: String(buffer: body))
    }

    static var tooLarge: Response {
        problem(
            .contentTooLarge,
            "Request too large",
            "A sign-up request is at most \(maxFormBytes / 1024) KB. Start again from your order in the Marketplace."
        )
    }

    static func cookieValue(_ header: String?, named name: String) -> String? {
        for part in (header ?? "").split(separator: ";") {
            let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            if pair.count == 2, pair[0] == name { return String(pair[1]) }
        }
        return nil
    }
}
