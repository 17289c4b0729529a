import Crypto
public import EntitleStore
public import Foundation
import HTTPTypes
public import Hummingbird
public import MarketplaceCore
import NIOCore

/// The vendor app's API under `/v1`, behind its app key (`Authorization: Bearer <key>`):
/// `POST /v1/handoffs/{code}` exchanges a sign-up hand-off code (with the app session's verifier)
/// for the customer, the account and the person, once; `GET /v1/entitlements/{id}`,
/// `GET /v1/accounts/{id}/entitlements`, `GET /v1/customers/{id}` and `GET /v1/agent-clients/{clientId}`
/// (the order a Gemini Enterprise client is for) read Entitle's copy, each with
/// an `ETag` (a strong hash of the body) so the app can cache and revalidate with `If-None-Match`
/// (304).
public struct AppAPIController: Sendable {
    let store: any Store
    let catalog: UsageCatalog
    let now: @Sendable () -> Timestamp

    public init(
        store: any Store,
        catalog: UsageCatalog,
        now: @escaping @Sendable () -> Timestamp = { Timestamp(Date()) }
    ) {
        self.store = store
        self.catalog = catalog
        self.now = now
    }

    /// On `/v1`, whose group checks the app key (`AppKeyMiddleware`).
    public func register<Parent: RequestContext>(on v1: RouterGroup<AppRequestContext<Parent>>) {
        v1.post("handoffs/:code") { request, context in
            try context.require(.handoffs)
            return try await answering {
                let verifier = try await Self.verifier(request)
                return try await redeem(Self.parameter("code", context), verifier: verifier, context)
            }
        }
        v1.get("entitlements/:id") { request, context in
            try context.require(.entitlementsRead)
            return try await answering {
                let id = try EntitlementID(Self.parameter("id", context))
                guard let local = try await store.entitlement(id) else {
                    throw APIProblem(.notFound, "no entitlement \(id.rawValue)")
                }
                try context.require(local)
                return try Self.cacheable(AppEntitlementView(local, catalog: catalog), request)
            }
        }
        v1.get("accounts/:id/entitlements") { request, context in
            try context.require(.entitlementsRead)
            return try await answering {
                let id = try AccountID(Self.parameter("id", context))
                guard let view = try await account(id, context.access) else {
                    throw APIProblem(.notFound, "no account \(id.rawValue)")
                }
                try Self.requireProducts([view], context)
                return try Self.cacheable(view, request)
            }
        }
        v1.get("agent-clients/:clientId") { request, context in
            try context.require(.entitlementsRead)
            let id = Self.parameter("clientId", context)
            guard let client = try await store.agentClient(clientID: id), client.state != .registering else {
                throw APIProblem(.notFound, "no agent client \(id.bounded())")
            }
            let local = try await store.entitlement(client.entitlementID)
            if let local { try context.require(local) }
            let view = AppAgentClientView(
                client,
                clientID: id,
                entitlement: local.map { AppEntitlementView($0, catalog: catalog) }
            )
            return try Self.cacheable(view, request)
        }
        v1.get("customers/:id") { request, context in
            try context.require(.customersRead)
            return try await answering {
                let id = Self.parameter("id", context)
                guard let customer = try await store.customer(id: id) else {
                    throw APIProblem(.notFound, "no customer \(id)")
                }
                var accounts: [AppAccountView] = []
                for account in try await store.accounts(ofCustomer: id) {
                    if let view = try await self.account(account, context.access) { accounts.append(view) }
                }
                try Self.requireProducts(accounts, context)
                return try Self.cacheable(
                    AppCustomerDetailView(customer: AppCustomerView(customer), accounts: accounts),
                    request
                )
            }
        }
    }

    /// Nothing, or 403 when the key is kept to some products and these accounts have none of them.
    static func requireProducts<Parent>(_ accounts: [AppAccountView], _ context: AppRequestContext<Parent>) throws {
        guard context.access.products != nil, accounts.allSatisfy(\.entitlements.isEmpty) else { return }
        throw APIProblem(.forbidden, "no entitlement here is of a product the key of app \(context.app) may use")
    }

    /// A path parameter as the client meant it (percent-decoded).
    static func parameter<Context: RequestContext>(_ name: String, _ context: Context) -> String {
        let raw = context.parameters.get(name) ?? ""
        return raw.removingPercentEncoding ?? raw
    }

    /// Runs `body`; a malformed id is 400.
    private func answering(_ body: () async throws -> Response) async throws -> Response {
        do { return try await body() } catch let error as ResourceNameError {
            throw APIProblem(.badRequest, error.description)
        }
    }

    /// `{"verifier": "…"}`: the secret whose S256 challenge the app sent when it asked for the code.
    static func verifier(_ request: Request) async throws -> String {
        struct Body: Decodable { var verifier: String? }
        let bytes: ByteBuffer
        do { bytes = try await request.body.collect(upTo: 4096) } catch {
            throw APIProblem(.contentTooLarge, "the body is at most 4096 bytes")
        }
        let body = try? JSONDecoder().decode(Body.self, from: Data(bytes.readableBytesView))
        guard let verifier = body?.verifier, Handoffs.isVerifier(verifier) else {
            throw APIProblem(
                .badRequest,
                #"the body must be {"verifier": "…"}: the 43–128 character secret (A-Z a-z 0-9 - . _ ~) whose "#
                    + "S256 challenge the app sent when it asked for the code"
            )
        }
        return verifier
    }

    private func redeem<Parent>(
        _ code: String,
        verifier: String,
        _ context: AppRequestContext<Parent>
    ) async throws -> Response {
        switch try await store.redeemHandoff(codeHash: Handoffs.hash(code), app: context.app, at: now()) {
        case .unknown: throw APIProblem(.notFound, "no such hand-off code for this app")
        case .expired: throw APIProblem(.gone, "the hand-off code expired; the buyer signs in again from Marketplace")
        case .alreadyRedeemed: throw APIProblem(.gone, "the hand-off code was used already; codes are good once")
        case .redeemed(let handoff):
            // The code is used up either way: one that reached another browser is of no use to anyone.
            guard let challenge = handoff.challenge,
                SecretToken.equal(challenge, Handoffs.challenge(verifier: verifier))
            else {
                throw APIProblem(
                    .forbidden,
                    "the verifier does not match the code's challenge: the code was asked for by another browser"
                )
            }
            guard let customer = try await store.customer(id: handoff.customerID),
                let account = try await account(handoff.accountID, context.access)
            else {
                throw APIProblem(.gone, "the customer of this hand-off is gone")
            }
            let view = AppHandoffView(
                customer: AppCustomerView(customer),
                account: account,
                user: handoff.person.map(AppUserView.init),
                orders: try await AppDirectory(store: store, catalog: catalog, access: context.access).orders(
                    handoff.person?.orders ?? [],
                    of: handoff.accountID
                )
            )
            var response = try JSONReply.make(view)
            response.headers[.cacheControl] = "no-store"
            return response
        }
    }

    private func account(_ id: AccountID, _ access: AppAccess) async throws -> AppAccountView? {
        try await AppDirectory(store: store, catalog: catalog, access: access).account(id)
    }

    /// 200 with an `ETag`, or 304 when the app's `If-None-Match` names it.
    static func cacheable(_ value: some Encodable, _ request: Request) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let body = try encoder.encode(value)
        let etag = "\"" + SHA256.hash(data: body).prefix(16).map { String(format: "%02x", $0) }.joined() + "\""
        let presented =
            request.headers[.ifNoneMatch]?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } ?? []
        if presented.contains(etag) || presented.contains("W/" + etag) || presented.contains("*") {
            return Response(status: .notModified, headers: [.eTag: etag, .cacheControl: "private, no-cache"])
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.eTag] = etag
        headers[.cacheControl] = "private, no-cache"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}
