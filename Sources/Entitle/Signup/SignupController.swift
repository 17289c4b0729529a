import EntitleStore
import Foundation
import GoogleCloud
import HTTPTypes
public import Hummingbird
public import Logging
import MarketplaceCore
public import Mustache
import NIOCore

/// `POST /signup` (Marketplace's form POST with `x-gcp-marketplace-token`), `POST /signup/complete`
/// (the sign-up form), `GET /signup/continue` (redirect mode: the browser back from the vendor's
/// page) and `GET /signup/handoff` (the app asks for a hand-off code). The CSRF token is in the
/// form and in a `SameSite=Strict` cookie; both must match the session's. Every start sets the
/// browser cookie (`SameSite=Lax`, so it comes back on the top-level navigations from the vendor's
/// page and app) that binds the session's codes to this browser. Pages are never cached or framed.
public struct SignupController: Sendable {
    static let cookie = "entitle_signup"
    static let browserCookie = "entitle_browser"
    static let maxFormBytes = 64 * 1024

    let flow: SignupFlow
    let pages: MustacheLibrary
    /// The cookie is `Secure` when buyers reach Entitle over https (a browser drops a Secure
    /// cookie set over plain http, and the form could never be sent).
    let secureCookie: Bool
    /// Where requests come from, for the per-address limit of sign-up starts.
    let clientAddress: ClientAddress
    let logger: Logger

    public init(
        flow: SignupFlow,
        pages: MustacheLibrary = SignupPages.library,
        secureCookie: Bool = true,
        clientAddress: ClientAddress = ClientAddress(),
        logger: Logger = Logger(label: "entitle.signup")
    ) {
        self.flow = flow
        self.pages = pages
        self.secureCookie = secureCookie
        self.clientAddress = clientAddress
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
        router.post("signup") { request, context in
            if let wait = flow.rateLimit?.admit(address: clientAddress.of(request, context)) {
                logger.warning(
                    "sign-up refused",
                    metadata: ["reason": "too many from this address", "requestId": "\(context.id)"]
                )
                return Self.page(for: .tooMany(wait), pages: pages)
            }
            return try await begin(request, id: context.id)
        }
        router.post("signup/complete") { request, context in try await complete(request, id: context.id) }
        router.get("signup/continue") { request, context in try await finish(request, id: context.id) }
        router.get("signup/handoff") { request, context in try await handoff(request, id: context.id) }
    }

    func begin(_ request: Request, id: String) async throws -> Response {
        let form: TokenForm?
        do { form = try await Self.decodeForm(request) } catch { return Self.tooLarge }
        guard let form, let token = form.token, !token.isEmpty else {
            return Self.problem(
                pages: pages,
                .badRequest,
                "Sign-up link incomplete",
                "This page expects the sign-up request Google Cloud Marketplace sends. Start again from your order in the Marketplace."
            )
        }
        do {
            let begun = try await flow.begin(token: token)
            var response: Response
            switch begun.start {
            case .returning(let url), .external(let url):
                response = Self.redirect(url)
            case .form(let session, let code):
                response = Self.page(
                    .ok,
                    "signup",
                    pages: pages,
                    ["title": "Finish signing up", "session": code, "csrf": session.csrfToken]
                )
                response.headers.append(
                    HTTPField(name: .setCookie, value: cookie(Self.cookie, session.csrfToken, "Strict"))
                )
            }
            response.headers.append(
                HTTPField(name: .setCookie, value: cookie(Self.browserCookie, begun.browser, "Lax"))
            )
            return response
        } catch let error as SignupError {
            logger.warning("sign-up refused", metadata: ["reason": "\(error)", "requestId": "\(id)"])
            return Self.page(for: error, pages: pages)
        } catch {
            return googleFailed(error, id: id, retry: "Choose Sign up again on your order in Google Cloud Marketplace.")
        }
    }

    /// A session cookie of the sign-up path, as long as a session lives.
    private func cookie(_ name: String, _ value: String, _ sameSite: String) -> String {
        let secure = secureCookie ? " Secure;" : ""
        return
            "\(name)=\(value); Path=/signup; HttpOnly;\(secure) SameSite=\(sameSite); Max-Age=\(flow.sessionLifetime)"
    }

    /// Redirect mode: the vendor's page sent the browser back to finish the link it asked for.
    func finish(_ request: Request, id: String) async throws -> Response {
        guard let code = request.uri.queryParameters.get("code"), !code.isEmpty, code.utf8.count <= 128 else {
            return Self.problem(
                pages: pages,
                .badRequest,
                "Link incomplete",
                "Start again from your order in the Marketplace."
            )
        }
        let browser = Self.cookieValue(request.headers[.cookie], named: Self.browserCookie)
        do {
            return Self.redirect(try await flow.finish(continueCode: code, browser: browser).url)
        } catch SignupError.unknownSession {
            return Self.problem(
                pages: pages,
                .notFound,
                "This link is not valid",
                "Return to your order in Google Cloud Marketplace and choose Sign up again."
            )
        } catch let error as SignupError {
            logger.warning("sign-up continuation refused", metadata: ["reason": "\(error)", "requestId": "\(id)"])
            return Self.page(for: error, pages: pages)
        } catch {
            return googleFailed(error, id: id, retry: "Open the same link again in a moment.")
        }
    }

    /// The app asks for a hand-off code for this browser, with its verifier's S256 challenge.
    func handoff(_ request: Request, id: String) async throws -> Response {
        let challenge = request.uri.queryParameters.get("challenge").map { String($0) } ?? ""
        let browser = Self.cookieValue(request.headers[.cookie], named: Self.browserCookie)
        do {
            return Self.redirect(try await flow.handoffURL(browser: browser, challenge: challenge))
        } catch SignupError.invalidForm {
            return Self.problem(
                pages: pages,
                .badRequest,
                "The app's request was not valid",
                "The app must send challenge: the base64url SHA-256 of its verifier (RFC 7636, S256)."
            )
        } catch let error as SignupError {
            logger.warning("hand-off refused", metadata: ["reason": "\(error)", "requestId": "\(id)"])
            return Self.page(for: error, pages: pages)
        }
    }

    /// Google refused or failed the account's approval (or its re-read): the buyer learns what to
    /// do, with a reference to quote; the log has why.
    func googleFailed(_ error: any Error, id: String, retry: String, form: [String: Any]? = nil) -> Response {
        let storeDown: Bool
        if case StoreError.unavailable? = error as? StoreError { storeDown = true } else { storeDown = false }
        logger.error(
            storeDown ? "sign-up not finished: store unavailable" : "sign-up failed at Google",
            metadata: ["requestId": "\(id)", "error": "\(error)"]
        )
        let transient = (error as? GoogleAPIError).map { $0.httpStatus == 429 || $0.httpStatus >= 500 } ?? true
        let who = storeDown ? "Our service was briefly unavailable" : "Google Cloud Marketplace did not answer just now"
        let message =
            transient
            ? "\(who), so your sign-up is not finished. Nothing is lost: \(retry) Reference: \(id)."
            : "Google Cloud Marketplace refused to finish your sign-up. Please contact us and quote reference \(id)."
        var response: Response
        if transient, var form {
            form["retry"] = message
            response = Self.page(.serviceUnavailable, "signup", pages: pages, form)
        } else {
            response = Self.problem(
                pages: pages,
                transient ? .serviceUnavailable : .badGateway,
                "Your sign-up could not be finished",
                message
            )
        }
        if transient { response.headers[.retryAfter] = "\(RetryAfter.storeOutage)" }
        return response
    }

    func complete(_ request: Request, id: String) async throws -> Response {
        let form: CompleteForm?
        do { form = try await Self.decodeForm(request) } catch { return Self.tooLarge }
        guard let form, let session = form.session, let csrf = form.csrf else {
            return Self.problem(pages: pages, .badRequest, "Form incomplete", "Please use the sign-up page to sign up.")
        }
        let cookie = Self.cookieValue(request.headers[.cookie], named: Self.cookie)
        guard cookie == csrf else { return Self.page(for: .forgedForm, pages: pages) }
        let fields = SignupFlow.Form(
            company: form.company ?? "",
            contactName: form.contactName ?? "",
            email: form.email ?? ""
        )
        do {
            return Self.redirect(try await flow.complete(sessionCode: session, csrfToken: csrf, form: fields))
        } catch SignupError.invalidForm(let problems) {
            let values: [String: Any] = [
                "title": "Finish signing up", "session": session, "csrf": csrf, "company": fields.company,
                "contactName": fields.contactName,
                "email": fields.email, "problems": problems,
            ]
            return Self.page(.unprocessableContent, "signup", pages: pages, values)
        } catch let error as SignupError {
            logger.warning("sign-up refused", metadata: ["reason": "\(error)", "requestId": "\(id)"])
            return Self.page(for: error, pages: pages)
        } catch {
            let form: [String: Any] = [
                "title": "Finish signing up", "session": session, "csrf": csrf, "company": fields.company,
                "contactName": fields.contactName,
                "email": fields.email,
            ]
            return googleFailed(error, id: id, retry: "Send the form again in a moment.", form: form)
        }
    }

    static func page(for error: SignupError, pages: MustacheLibrary = SignupPages.library) -> Response {
        func problem(_ status: HTTPResponse.Status, _ title: String, _ message: String) -> Response {
            SignupController.problem(pages: pages, status, title, message)
        }
        return switch error {
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
        case .unknownSession, .expiredSession, .alreadyCompleted:
            problem(
                .gone,
                "This sign-up page has expired",
                "Return to your order in Google Cloud Marketplace and choose Sign up again."
            )
        case .otherBrowser:
            problem(
                .forbidden,
                "Please continue in the browser you came from Marketplace with",
                "This link works only in the browser that arrived from Google Cloud Marketplace. Nothing was "
                    + "linked or signed in. Return to your order in the Marketplace and choose Sign up or Manage "
                    + "on provider again."
            )
        case .forgedForm:
            problem(
                .forbidden,
                "Please sign up from the sign-up page",
                "The form was not sent from the page we showed you. Return to your order and choose Sign up again."
            )
        case .invalidForm:
            problem(.unprocessableContent, "Some fields need attention", "Please go back and check the form.")
        case .tokenUsed:
            problem(
                .conflict,
                "This sign-up link was used already",
                "Your sign-up is done. To sign in again, return to your order in Google Cloud Marketplace and "
                    + "choose Manage on provider."
            )
        case .tooMany(let seconds):
            {
                var response = problem(
                    .tooManyRequests,
                    "Too many sign-up attempts",
                    "Please wait a minute, then return to your order in Google Cloud Marketplace and try again."
                )
                response.headers[.retryAfter] = String(seconds)
                return response
            }()
        }
    }

    static func problem(
        pages: MustacheLibrary = SignupPages.library,
        _ status: HTTPResponse.Status,
        _ title: String,
        _ message: String
    ) -> Response {
        page(status, "problem", pages: pages, ["title": title, "message": message])
    }

    static func page(
        _ status: HTTPResponse.Status,
        _ template: String,
        pages: MustacheLibrary = SignupPages.library,
        _ values: [String: Any]
    ) -> Response {
        let html = pages.render(values, withTemplate: template) ?? ""
        return Response(
            status: status,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                HTTPField.Name("X-Frame-Options")!: "DENY",
                HTTPField.Name("Content-Security-Policy")!:
                    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
            ],
            body: ResponseBody(byteBuffer: ByteBuffer(string: html))
        )
    }

    static func redirect(_ url: URL) -> Response {
        Response(status: .seeOther, headers: [.location: url.absoluteString, .cacheControl: "no-store"])
    }

    /// The form, or nil when it is not one (read as `FormFields` reads forms: only what is
    /// missing or wrong is refused).
    /// - Throws: when the body is larger than `maxFormBytes` (a sign-up form is a few hundred bytes).
    static func decodeForm<Form: Decodable>(_ request: Request) async throws -> Form? {
        let body = try await request.body.collect(upTo: maxFormBytes)
        guard let fields = FormFields.parse(String(buffer: body)) else { return nil }
        return try? JSONDecoder().decode(Form.self, from: JSONEncoder().encode(fields))
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
