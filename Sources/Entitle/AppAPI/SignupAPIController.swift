public import EntitleStore
import Foundation
import GoogleCloud
public import Hummingbird
public import MarketplaceCore
import NIOCore

/// Redirect sign-up (`signupMode: redirect`): the vendor's own page, reached with `?code=`, signs
/// the buyer up and tells Entitle `POST /v1/signups/{code}/complete` with the key of
/// `signupApp` and `{"customerId": "…", "company"?, "contactName"?, "email"?}`. Entitle then
/// links, approves the account and decides its orders as the hosted form does, and answers with
/// the customer and the account (200; again 200 with the first customer for a repeat).
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

    /// On `/v1`, whose group checks the app key (`AppKeyMiddleware`).
    public func register<Parent: RequestContext>(on v1: RouterGroup<AppRequestContext<Parent>>) {
        v1.post("signups/:code/complete") { request, context in
            try await complete(request, code: AppAPIController.parameter("code", context), caller: context.app)
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
            let (customer, account) = try await flow.completeExternally(sessionID: code, signup)
            guard let view = try await directory.account(account) else {
                throw APIProblem(.gone, "the account is gone")
            }
            return try JSONReply.make(AppHandoffView(customer: AppCustomerView(customer), account: view))
        } catch SignupError.unknownSession {
            throw APIProblem(.notFound, "no such sign-up for this app")
        } catch SignupError.alreadyCompleted {
            throw APIProblem(.gone, "the sign-up code was used already; codes are good once")
        } catch SignupError.expiredSession {
            throw APIProblem(.gone, "the sign-up expired; the buyer starts again from Marketplace")
        } catch SignupError.invalidForm(let problems) {
            throw APIProblem(.unprocessableContent, problems.values.sorted().joined(separator: "; "))
        } catch let error as GoogleAPIError where error.httpStatus != 429 && error.httpStatus < 500 {
            throw APIProblem(.badGateway, "Google refused the account's approval: \(error.message)")
        } catch let error as GoogleAPIError {
            throw APIProblem(
                .serviceUnavailable,
                "Google did not answer just now (\(error.httpStatus)); send the same request again"
            )
        }
    }
}
