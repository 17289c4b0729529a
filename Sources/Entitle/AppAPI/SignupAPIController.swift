public import EntitleStore
import Foundation
import GoogleCloud
public import Hummingbird
public import MarketplaceCore
import NIOCore

/// Redirect sign-up (`signupMode: redirect`): the vendor's own page, reached with `?code=`, reads
/// what it is about to link (`GET /v1/signups/{code}`: the Marketplace account, its orders, the
/// person) and asks for the link with the key of `signupApp`: `POST /v1/signups/{code}/complete`
/// with `{"customerId": "…", "company"?, "contactName"?, "email"?}`. The answer (202) is a
/// `continueURL` the page sends the browser to; Entitle links, approves the account and decides its
/// orders only when the browser that came from Marketplace opens it (`SignupController`).
public struct SignupAPIController: Sendable {
    static let maxBodyBytes = 16 * 1024
    static let fields: Set<String> = ["customerId", "company", "contactName", "email"]

    let flow: SignupFlow
    /// The only app that may complete sign-ups.
    let app: String
    let directory: AppDirectory

    public init(flow: SignupFlow, app: String, store: any Store, catalog: UsageCatalog) {
        self.flow = flow
        self.app = app
        self.directory = AppDirectory(store: store, catalog: catalog)
    }

    struct Body: Decodable {
        var customerId: String?
        var company: String?
        var contactName: String?
        var email: String?
    }

    /// What the vendor's page shows before it links: whose Marketplace account, bought what.
    struct PendingView: Encodable {
        var account: AppAccountView
        var user: AppUserView
        var orders: [AppOrderView]
        var expiresAt: Timestamp
    }

    struct ProposedView: Encodable {
        /// Send the buyer's browser here (303): the link is made when that browser arrives.
        var continueURL: String
        var expiresAt: Timestamp
        /// Whom the link is for: the person who came from Marketplace, and the orders they came for.
        var user: AppUserView
        var orders: [AppOrderView]
    }

    /// On `/v1`, whose group checks the app key (`AppKeyMiddleware`).
    public func register<Parent: RequestContext>(on v1: RouterGroup<AppRequestContext<Parent>>) {
        v1.get("signups/:code") { _, context in
            try context.require(.signups)
            return try await pending(code: AppAPIController.parameter("code", context), caller: context.app)
        }
        v1.post("signups/:code/complete") { request, context in
            try context.require(.signups)
            return try await complete(request, code: AppAPIController.parameter("code", context), caller: context.app)
        }
    }

    func pending(code: String, caller: String) async throws -> Response {
        guard caller == app else { throw APIProblem(.notFound, "no such sign-up for this app") }
        do {
            let session = try await flow.pending(code: code)
            let account =
                try await directory.account(session.accountID)
                ?? AppAccountView(id: session.accountID.rawValue, customerId: nil, signedUp: false, entitlements: [])
            var response = try JSONReply.make(
                PendingView(
                    account: account,
                    user: AppUserView(session.person),
                    orders: try await directory.orders(session.orders, of: session.accountID),
                    expiresAt: session.expiresAt
                )
            )
            response.headers[.cacheControl] = "no-store"
            return response
        } catch let error as SignupError {
            throw Self.problem(error)
        }
    }

    func complete(_ request: Request, code: String, caller: String) async throws -> Response {
        // Another app learns nothing about sign-up codes.
        guard caller == app else { throw APIProblem(.notFound, "no such sign-up for this app") }
        let data: Data
        do { data = Data(try await request.body.collect(upTo: Self.maxBodyBytes).readableBytesView) } catch {
            throw APIProblem(.contentTooLarge, "the body is at most \(Self.maxBodyBytes) bytes")
        }
        let malformed = APIProblem(
            .badRequest,
            "the body must be a JSON object with customerId (and company, contactName, email as strings)"
        )
        guard let keys = try? JSONDecoder().decode([String: JSONValue].self, from: data).keys else { throw malformed }
        if let unknown = keys.first(where: { !Self.fields.contains($0) }) {
            throw APIProblem(
                .badRequest,
                "unknown field \(unknown); the fields are \(Self.fields.sorted().joined(separator: ", "))"
            )
        }
        guard let body = try? JSONDecoder().decode(Body.self, from: data) else { throw malformed }
        guard let customerID = body.customerId else { throw APIProblem(.badRequest, "customerId is required") }
        let signup = SignupFlow.ExternalSignup(
            customerID: customerID,
            company: body.company,
            contactName: body.contactName,
            email: body.email
        )
        do {
            let (url, session) = try await flow.propose(code: code, signup)
            var response = try JSONReply.make(
                ProposedView(
                    continueURL: url.absoluteString,
                    expiresAt: session.expiresAt,
                    user: AppUserView(session.person),
                    orders: try await directory.orders(session.orders, of: session.accountID)
                ),
                status: .accepted
            )
            response.headers[.cacheControl] = "no-store"
            return response
        } catch let error as SignupError {
            throw Self.problem(error)
        }
    }

    static func problem(_ error: SignupError) -> APIProblem {
        switch error {
        case .alreadyCompleted: APIProblem(.gone, "the sign-up was completed already")
        case .expiredSession: APIProblem(.gone, "the sign-up expired; the buyer starts again from Marketplace")
        case .invalidForm(let problems):
            APIProblem(.unprocessableContent, problems.values.sorted().joined(separator: "; "))
        default: APIProblem(.notFound, "no such sign-up for this app")
        }
    }
}
