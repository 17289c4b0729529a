import Entitle
import EntitleStore
import EntitleTestSupport
import Foundation
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// Gemini Enterprise's registration of a purchased agent, end to end: the emulator sells the agent
/// and signs the software statement, Entitle registers the order's client at a real identity
/// provider (Debian's glewlwyd), the provider issues that client tokens, and cancelling the order
/// deletes the client there.
@Suite(.serialized, .paced)
struct AgentRegistrationTests {
    static let audience = "https://agent.example.com"
    static let product = "example-messaging-service"
    static let path = "dcr"
    static let agentKey = "agent-app-key-5d0c7e19a2b84f36"

    struct Registered: Decodable {
        var client_id: String
        var client_secret: String
        var client_secret_expires_at: Int
    }

    struct Refused: Decodable {
        var error: String
        var error_description: String
    }

    struct AgentClientView: Decodable {
        struct Entitlement: Decodable { var state: String? }
        var state: String
        var inService: Bool
        var entitlementId: String
        var entitlement: Entitlement?
    }

    /// The `client_id` claim of the access token in a token endpoint's reply (glewlwyd's are JWTs).
    static func clientID(ofTokenReply reply: HTTPReply) throws -> String {
        struct Tokens: Decodable { var access_token: String }
        struct Claims: Decodable { var client_id: String }
        let token = try reply.decode(Tokens.self).access_token
        let payload = try #require(token.split(separator: ".").dropFirst().first.map(String.init))
        var base64 = payload.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return try JSONDecoder().decode(Claims.self, from: try #require(Data(base64Encoded: base64))).client_id
    }

    struct UsageBody: Encodable, Sendable {
        var agentClientId: String
        var metric: String
        var quantity: Int
        var idempotencyKey: String
    }

    static func refusal(_ reply: HTTPReply) -> Refused? { try? JSONDecoder().decode(Refused.self, from: reply.body) }

    static let sealKey = "9f2c41d87be05a3e6c1f48d2a7b95e30c6d81f4a"

    /// Entitle selling `products` as agents, registering their clients at `provider`.
    static func agentSettings(
        _ configuration: inout EntitleConfiguration,
        provider: GlewlwydServer,
        token: String,
        products: [String] = [product]
    ) {
        configuration.entitlementPolicy = .afterSignup
        configuration.agentProducts = products
        configuration.agentAudiences = [audience]
        configuration.agentRegistrarURL = provider.registrationEndpoint.absoluteString
        configuration.agentRegistrarToken = token
        configuration.agentSecretKey = sealKey
        configuration.usageAPIKeys = ["agent": AppAccess(agentKey)]
        configuration.usageMetrics = [product: ["basic": ["requests"]]]
    }

    /// The parts an agent deployment runs beside Entitle: glewlwyd (with the registrar's initial
    /// access token), a store file, and the emulator.
    static func withAgentParts(
        _ body: @escaping @Sendable (GlewlwydServer, String, String, RunningEmulator) async throws -> Void
    ) async throws {
        try await GlewlwydServer.with { provider in
            let token = try await provider.initialAccessToken()
            try await TemporaryDatabase.withPath { path in
                var options = EmulatorOptions()
                options.pullWait = .milliseconds(100)
                try await EmulatorHarness.withEmulator(options) { running in
                    try await body(provider, token, path, running)
                }
            }
        }
    }

    /// A store file, the emulator, glewlwyd, and Entitle selling `agentProducts`.
    static func withAgentDeployment(
        agentProducts: [String] = [product],
        _ body: @escaping @Sendable (RunningEmulator, RunningEntitle, GlewlwydServer, String) async throws -> Void
    ) async throws {
        try await withAgentParts { provider, token, path, running in
            try await EntitleHarness.withEntitle(running, storePath: path) { configuration in
                agentSettings(&configuration, provider: provider, token: token, products: agentProducts)
            } _: { entitle in
                try await body(running, entitle, provider, path)
            }
        }
    }

    /// Bought, signed up, and ACTIVE in Entitle's store.
    static func activeAgent(_ running: RunningEmulator, _ entitle: RunningEntitle) async throws -> EmulatorPurchase {
        let purchase = try await running.control.buy(product: product, plan: "basic")
        _ = try await SignupBrowser(JSONHTTPClient(baseURL: entitle.baseURL)).signUp(token: purchase.signupToken)
        let active = try await eventually {
            try await entitle.store.entitlement(EntitlementID(purchase.entitlementId))?.resource.state == .active
        }
        try #require(active, "the order is ACTIVE in Entitle")
        // Registration also needs the account approved in Entitle. The sign-up stores it so, but an
        // account notification decided from Google's copy read before the approval can commit after
        // it with the same updateTime and store it pending until the next account notification.
        let approved = try await eventually {
            try await entitle.store.account(AccountID(purchase.accountId))?.signupApproval == .approved
        }
        try #require(approved, "the account is approved in Entitle")
        return purchase
    }

    static func register(
        _ entitle: RunningEntitle,
        _ running: RunningEmulator,
        _ entitlement: String,
        _ request: SoftwareStatementRequest = SoftwareStatementRequest(audience: audience)
    ) async throws -> HTTPReply {
        let statement = try await running.control.softwareStatement(entitlement: entitlement, request)
        return try await JSONHTTPClient(baseURL: entitle.baseURL)
            .post(path, ["software_statement": statement.softwareStatement])
    }

    @Test(
        "bought → ACTIVE → registered at the provider → its token maps to the order; cancelled → deleted there"
    )
    func wholeLife() async throws {
        try await Self.withAgentDeployment { running, entitle, provider, path in
            let purchase = try await Self.activeAgent(running, entitle)
            let reply = try await Self.register(entitle, running, purchase.entitlementId)
            #expect(reply.status == 201, "\(reply)")
            #expect(reply.headers["cache-control"] == "no-store")
            let client = try reply.decode(Registered.self)
            #expect(client.client_secret_expires_at == 0 && !client.client_secret.isEmpty)

            let redirect = "https://vertexaisearch.cloud.google.com/oauth-redirect"
            let atProvider = try #require(try await provider.client(client.client_id), "the client is at the provider")
            #expect((atProvider["redirect_uri"] as? [String]) == [redirect], "\(atProvider)")

            let again = try await Self.register(entitle, running, purchase.entitlementId).decode(Registered.self)
            #expect(again.client_id == client.client_id && again.client_secret == client.client_secret)
            #expect(try await provider.clientIDs(matching: purchase.entitlementId).isEmpty)
            let order = try #require(try await running.control.state().entitlements.first?.orderId)
            #expect(try await provider.clientIDs(matching: order) == [client.client_id], "one client for the order")

            let stored = try #require(try await entitle.store.agentClient(clientID: client.client_id))
            #expect(stored.entitlementID.rawValue == purchase.entitlementId && stored.state == .active)
            let sealed = try #require(stored.sealedCredentials)
            #expect(!sealed.contains(client.client_secret), "the secret is sealed at rest")
            let file = try Data(contentsOf: URL(fileURLWithPath: path))
            #expect(file.range(of: Data(client.client_secret.utf8)) == nil, "nor anywhere in the database file")

            let token = try await provider.authorizationCode(
                clientID: client.client_id,
                secret: client.client_secret,
                redirectURI: redirect
            )
            #expect(token.status == 200 && token.text.contains("access_token"), "\(token)")
            // The agent reads the client id from the token and asks Entitle what it is for.
            let tokenClient = try Self.clientID(ofTokenReply: token)
            #expect(tokenClient == client.client_id)
            let agent = entitle.client(bearer: Self.agentKey)
            let lookup = try await agent.get("v1/agent-clients/\(tokenClient)").decode(AgentClientView.self)
            #expect(lookup.entitlementId == purchase.entitlementId && lookup.state == "active" && lookup.inService)
            #expect(lookup.entitlement?.state == "ENTITLEMENT_ACTIVE", "\(lookup)")
            #expect(try await agent.get("v1/agent-clients/no-such-client").status == 404)
            // The agent bills its order by the token's client id.
            let usage = try await agent.post(
                "v1/usage",
                UsageBody(agentClientId: tokenClient, metric: "requests", quantity: 7, idempotencyKey: "agent-1")
            )
            #expect(usage.status == 202, "\(usage)")
            let unknown = try await agent.post(
                "v1/usage",
                UsageBody(agentClientId: "no-such-client", metric: "requests", quantity: 1, idempotencyKey: "agent-2")
            )
            #expect(unknown.status == 422 && unknown.text.contains("no agent client"), "\(unknown)")
            #expect(
                try await JSONHTTPClient(baseURL: entitle.baseURL).get("v1/agent-clients/\(tokenClient)").status == 401
            )

            try await running.control.cancel(purchase.entitlementId, immediately: true)
            let ended = try await eventually(within: .seconds(30)) {
                try await entitle.store.agentClient(clientID: client.client_id)?.state == .ended
            }
            #expect(ended, "the client ended once the order was cancelled")
            // Glewlwyd carries out RFC 7592's delete by disabling the client.
            let gone = try await provider.client(client.client_id)
            #expect(gone == nil || gone?["enabled"] as? Bool == false, "deleted at the provider: \(gone ?? [:])")
            let refused = try await provider.authorizationCode(
                clientID: client.client_id,
                secret: client.client_secret,
                redirectURI: redirect
            )
            #expect(refused.status != 200 && !refused.text.contains("access_token"), "\(refused)")
            let callbacks = try await entitle.store.callbacks(
                subject: "entitlements/\(purchase.entitlementId)",
                limit: 20
            )
            let agentCallbacks = callbacks.filter { $0.kind.rawValue.hasPrefix("agent.") }
            #expect(
                Set(agentCallbacks.map(\.kind)) == [.agentClientRegistered, .agentClientRevoked]
                    && agentCallbacks.count == 2 && agentCallbacks.allSatisfy { $0.body.contains(client.client_id) },
                "the app is told once of each: \(agentCallbacks.map(\.kind))"
            )
            let endedView = try await agent.get("v1/agent-clients/\(tokenClient)").decode(AgentClientView.self)
            #expect(endedView.state == "ended" && !endedView.inService, "\(endedView)")
            let afterwards = try await Self.register(entitle, running, purchase.entitlementId)
            #expect(afterwards.status == 400, "\(afterwards)")
            #expect(Self.refusal(afterwards)?.error == "unapproved_software_statement")
        }
    }

    @Test("eight registrations of one order at once: one client at the provider, the same pair for all")
    func concurrent() async throws {
        try await Self.withAgentDeployment { running, entitle, provider, _ in
            let purchase = try await Self.activeAgent(running, entitle)
            let replies = try await withThrowingTaskGroup(of: HTTPReply.self) { group in
                for _ in 0..<8 { group.addTask { try await Self.register(entitle, running, purchase.entitlementId) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(replies.allSatisfy { $0.status == 201 }, "\(replies)")
            let pairs = Set(
                try replies.map { try $0.decode(Registered.self) }.map { "\($0.client_id):\($0.client_secret)" }
            )
            #expect(pairs.count == 1, "\(pairs)")
            let order = try #require(try await running.control.state().entitlements.first?.orderId)
            #expect(try await provider.clientIDs(matching: order).count == 1)
        }
    }

    @Test(
        "RFC 7591 refusals: audience, issuer, expired, redirect URI, unknown order, not in service, no statement"
    )
    func refusals() async throws {
        try await Self.withAgentDeployment { running, entitle, provider, _ in
            let pending = try await running.control.buy(product: Self.product, plan: "basic")
            let now = Int(Date().timeIntervalSince1970)
            let cases: [(String, SoftwareStatementRequest, String)] = [
                (
                    "audience", SoftwareStatementRequest(audience: "https://other.example.com"),
                    "invalid_software_statement"
                ),
                (
                    "issuer",
                    SoftwareStatementRequest(audience: Self.audience, issuer: "https://accounts.google.com"),
                    "invalid_software_statement"
                ),
                (
                    "expired",
                    SoftwareStatementRequest(audience: Self.audience, issuedAt: now - 900, expiresAt: now - 600),
                    "invalid_software_statement"
                ),
                (
                    "http redirect",
                    SoftwareStatementRequest(audience: Self.audience, redirectURIs: ["http://gemini.example.com/cb"]),
                    "invalid_redirect_uri"
                ),
                (
                    "unknown order",
                    SoftwareStatementRequest(audience: Self.audience, order: "no-such-order"),
                    "unapproved_software_statement"
                ),
                ("not in service", SoftwareStatementRequest(audience: Self.audience), "unapproved_software_statement"),
            ]
            for (name, request, error) in cases {
                let reply = try await Self.register(entitle, running, pending.entitlementId, request)
                #expect(reply.status == 400, "\(name): \(reply)")
                #expect(reply.headers["cache-control"] == "no-store", "\(name)")
                #expect(Self.refusal(reply)?.error == error, "\(name): \(reply)")
            }
            let site = JSONHTTPClient(baseURL: entitle.baseURL)
            let empty = try await site.post(Self.path, ["statement": "x"])
            #expect(empty.status == 400 && empty.text.contains("invalid_software_statement"), "\(empty)")
            #expect(try await provider.clientIDs(matching: "Gemini").isEmpty, "no client was created")
            #expect(try await entitle.store.agentClient(EntitlementID(pending.entitlementId)) == nil)
        }
    }

    @Test("an order of a product not sold as an agent is refused")
    func notAnAgent() async throws {
        try await Self.withAgentDeployment(agentProducts: ["another-product"]) { running, entitle, _, _ in
            let purchase = try await Self.activeAgent(running, entitle)
            let reply = try await Self.register(entitle, running, purchase.entitlementId)
            #expect(reply.status == 400 && reply.text.contains("not of a product sold as an agent"), "\(reply)")
        }
    }
}
