import Entitle
import EntitleStore
import EntitleTestSupport
import Foundation
import GoogleCloud
import Hummingbird
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// `POST /pubsub/push` on a real server: the emulator pushes to it with OIDC tokens, and bad
/// callers get a clear 4xx while nothing is lost.
@Suite(.paced) struct PushEndpointTests {
    struct Fixture: Sendable {
        var running: RunningEmulator
        var store: SQLiteStore
        var endpoint: URL
        var serviceAccount: String
    }

    private func withPushEndpoint(_ body: @Sendable (Fixture) async throws -> Void) async throws {
        var options = EmulatorOptions()
        options.requireSignupBeforeApproval = false
        try await TemporaryDatabase.withPath { path in
            try await EmulatorHarness.withEmulator(options) { running in
                let transport = try await running.transport()
                let store = try await SQLiteStore(path: path)
                let processor = NotificationProcessor(
                    store: store,
                    procurement: running.procurementClient(transport),
                    policies: ApprovalPolicies(default: ApprovalPolicy(entitlement: .automatic))
                )
                let serviceAccount = try await running.emulator.serviceAccountKeyFile().client_email
                let certificates = GoogleCertificateCache(
                    url: GoogleEndpoints.emulator(at: running.baseURL).oidcCertificates
                )
                let router = Router()
                // The audience is fixed before the port is known: the vendor's public push URL.
                let verifier = PushTokenVerifier(
                    audience: "https://vendor.example.com/pubsub/push",
                    serviceAccountEmail: serviceAccount,
                    certificates: certificates
                )
                PubSubPushController(processor: processor, verifier: verifier).register(on: router)
                try await LoopbackServer.run(router) { base in
                    try await body(
                        Fixture(
                            running: running,
                            store: store,
                            endpoint: base.appendingPathComponent(PubSubPushController.path),
                            serviceAccount: serviceAccount
                        )
                    )
                }
            }
        }
    }

    /// An OIDC token from the emulator's metadata server for `audience`.
    private func token(
        _ running: RunningEmulator,
        audience: String = "https://vendor.example.com/pubsub/push"
    ) async throws -> String {
        let reply = try await running.http.anonymous.send(
            "GET",
            "computeMetadata/v1/instance/service-accounts/default/identity?audience=\(audience.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)",
            headers: ["Metadata-Flavor": "Google"]
        )
        #expect(reply.status == 200)
        return reply.text
    }

    private func post(_ fixture: Fixture, token: String?, body: Data) async throws -> HTTPReply {
        let client = JSONHTTPClient(baseURL: fixture.endpoint)
        return try await client.send(
            "POST",
            fixture.endpoint.absoluteString,
            raw: body,
            headers: token.map { ["Authorization": "Bearer \($0)"] } ?? [:]
        )
    }

    private static func envelope(_ data: Data) -> Data {
        Data(
            #"{"message":{"data":"\#(data.base64EncodedString())","messageId":"m-1"},"subscription":"projects/p/subscriptions/s"}"#
                .utf8
        )
    }

    @Test("the emulator's push subscription delivers a purchase; the entitlement is approved and stored")
    func pushedPurchase() async throws {
        try await withPushEndpoint { fixture in
            let pubsub = fixture.running.pubSubClient(try await fixture.running.transport())
            let config = PubSubSubscription.PushConfig(
                pushEndpoint: fixture.endpoint.absoluteString,
                oidcToken: .init(
                    serviceAccountEmail: fixture.serviceAccount,
                    audience: "https://vendor.example.com/pubsub/push"
                )
            )
            try await pubsub.createSubscription(
                "projects/vendor/subscriptions/push",
                PubSubSubscription(topic: fixture.running.emulator.options.topic, pushConfig: config)
            )
            let purchase = try await fixture.running.control.buy(product: "example-messaging-service", plan: "basic")
            let id = try EntitlementID(purchase.entitlementId)
            let deadline = ContinuousClock.now + .seconds(10)
            while try await fixture.store.entitlement(id)?.state != .active, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(try await fixture.store.entitlement(id)?.state == .active)
        }
    }

    @Test(
        "bad push calls get a clear answer and nothing is lost",
        arguments: [
            "no token", "garbage token", "other audience", "not an envelope", "too large", "poison data",
            "unknown event type",
        ]
    )
    func badCalls(kind: String) async throws {
        try await withPushEndpoint { fixture in
            let valid = try await token(fixture.running)
            let reply: HTTPReply
            var expected = 204
            switch kind {
            case "no token":
                reply = try await post(fixture, token: nil, body: Self.envelope(Data("{}".utf8)))
                expected = 401
            case "garbage token":
                reply = try await post(fixture, token: "not.a.jwt", body: Self.envelope(Data("{}".utf8)))
                expected = 403
            case "other audience":
                reply = try await post(
                    fixture,
                    token: try await token(fixture.running, audience: "https://evil.example.com/"),
                    body: Self.envelope(Data("{}".utf8))
                )
                expected = 403
            case "not an envelope":
                // Refused, Pub/Sub would push it again forever: kept as poison and acknowledged.
                reply = try await post(fixture, token: valid, body: Data("hello".utf8))
            case "too large":
                reply = try await post(fixture, token: valid, body: Data(repeating: 0x41, count: 10 * 1024 * 1024))
                expected = 413
            case "poison data":
                reply = try await post(fixture, token: valid, body: Self.envelope(Data("{not json".utf8)))
            default:
                let event =
                    #"{"eventId":"ev-unknown-1","eventType":"ENTITLEMENT_TELEPORTED","providerId":"DEMO-entitle-sandbox","entitlement":{"id":"E-NOPE","updateTime":"2026-01-01T00:00:00Z"}}"#
                reply = try await post(fixture, token: valid, body: Self.envelope(Data(event.utf8)))
            }
            #expect(reply.status == expected, "\(reply)")
            switch kind {
            case "poison data":
                #expect(try await fixture.store.poisonMessages(limit: 5).count == 1, "recorded, then acked")
            case "not an envelope":
                let kept = try await fixture.store.poisonMessages(limit: 5)
                #expect(
                    kept.count == 1 && kept[0].data == Data("hello".utf8) && kept[0].reason.contains("envelope"),
                    "\(kept)"
                )
            case "unknown event type":
                #expect(try await fixture.store.isProcessed(eventID: "ev-unknown-1"), "recorded, then acked")
            default: #expect(try await fixture.store.poisonMessages(limit: 5).isEmpty)
            }
        }
    }
}
