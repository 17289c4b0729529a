import EntitleStore
import EntitleTestSupport
import Foundation
import GoogleCloud
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import MarketplaceCore
import Testing

@testable import Entitle

/// What a security review asks of credentials, through Hummingbird's router with a real store:
/// guessing is throttled per client address and success never is, two admin tokens open the API
/// while one is rotated, `/metrics` is closed off loopback without its token, `/readyz` tells only
/// the admin why, guessable secrets are refused, callbacks verify with either secret.
@Suite(.paced) struct CredentialTests {
    static let token = "admin-token-0123456789abcdef"
    static let retiring = "admin-token-old-0123456789abcdef"

    private func withRouter(
        limit: Int = 3,
        metrics access: MetricsController.Access = .open,
        _ body: @Sendable (any TestClientProtocol, EntitleMetrics, Readiness) async throws -> Void
    ) async throws {
        try await TemporaryDatabase.withPath { path in
            let store = try await SQLiteStore(path: path)
            let procurement = ProcurementClient(
                provider: try ProviderID("vendor"),
                baseURL: URL(string: "http://127.0.0.1:9/")!,
                transport: GoogleAPITransport(credentials: NoTokenProvider(), retryPolicy: .none)
            )
            let processor = NotificationProcessor(store: store, procurement: procurement, policies: ApprovalPolicies())
            let metrics = EntitleMetrics(enabled: true)
            let throttle = AuthThrottle(
                AuthThrottle.Settings(limit: limit, windowSeconds: 60, forwardedHops: 1),
                logger: Logger(label: "test"),
                metrics: metrics
            )
            let readiness = Readiness()
            let router = Router()
            HealthController(store: store, readiness: readiness, adminTokens: [Self.token]).register(on: router)
            AdminAPIController(
                store: store,
                processor: processor,
                tokens: [Self.token, Self.retiring],
                throttle: throttle
            )
            .register(on: router)
            MetricsController(
                metrics: metrics,
                store: store,
                leadership: SingleProcessLeadership(replica: "r"),
                access: access,
                throttle: throttle
            ).register(on: router)
            try await Application(router: router).test(.router) { client in try await body(client, metrics, readiness) }
        }
    }

    static func from(_ address: String, token: String? = nil) -> HTTPFields {
        var headers: HTTPFields = [HTTPField.Name("X-Forwarded-For")!: "198.51.100.9, \(address)"]
        if let token { headers[.authorization] = "Bearer \(token)" }
        return headers
    }

    @Test("Failed credentials from one address get 429 with Retry-After; other addresses and successes never")
    func throttling() async throws {
        try await withRouter { client, metrics, _ in
            let uri = "/api/admin/entitlements"
            // A client that holds the token is never slowed, however often it calls.
            for _ in 0..<10 {
                try await client.execute(uri: uri, method: .get, headers: Self.from("10.0.0.2", token: Self.token)) {
                    #expect($0.status == .ok)
                }
            }
            for _ in 0..<3 {
                try await client.execute(uri: uri, method: .get, headers: Self.from("10.0.0.1", token: "guess-1234")) {
                    #expect($0.status == .unauthorized)
                }
            }
            // Used up: refused before the token is looked at, even the right one, with when to come back.
            for token in ["guess-5678", Self.token] {
                try await client.execute(uri: uri, method: .get, headers: Self.from("10.0.0.1", token: token)) {
                    #expect($0.status == .tooManyRequests && String(buffer: $0.body).contains(#""status":429"#))
                    #expect(
                        Int($0.headers[.retryAfter] ?? "") ?? 0 > 0,
                        "Retry-After: \(String(describing: $0.headers))"
                    )
                }
            }
            // One failure under the limit slows nothing.
            try await client.execute(uri: "/api/admin/entitlements", method: .get, headers: Self.from("10.0.0.2")) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(uri: uri, method: .get, headers: Self.from("10.0.0.2", token: Self.token)) {
                #expect($0.status == .ok)
            }
            let text = metrics.exposition() ?? ""
            #expect(text.contains(#"entitle_auth_failures_total{credential="admin"} 4"#), "\(text)")
            #expect(text.contains(#"entitle_auth_throttled_total{credential="admin"} 2"#))
        }
    }

    @Test("Both admin tokens open the API while one is rotated; neither opens it half-typed")
    func rotatedAdminToken() async throws {
        try await withRouter(limit: 100) { client, _, _ in
            for (token, status) in [
                (Self.token, HTTPResponse.Status.ok), (Self.retiring, .ok),
                (String(Self.retiring.dropLast()), .unauthorized),
            ] {
                try await client.execute(
                    uri: "/api/admin/entitlements",
                    method: .get,
                    headers: [.authorization: "Bearer \(token)"]
                ) {
                    #expect($0.status == status, "\(token)")
                }
            }
        }
    }

    @Test("/metrics off loopback without a token is closed; /readyz tells only the admin why")
    func probes() async throws {
        try await withRouter(metrics: .closed) { client, _, readiness in
            try await client.execute(uri: "/metrics", method: .get) {
                #expect($0.status == .forbidden && String(buffer: $0.body).contains("metricsToken"))
            }
            readiness.set("subscription", problem: "projects/p/subscriptions/secret-name: 404 Not Found")
            try await client.execute(uri: "/readyz", method: .get) {
                let body = String(buffer: $0.body)
                #expect($0.status == .serviceUnavailable && body.contains("not ready"))
                #expect(!body.contains("secret-name") && !body.contains("version"), "\(body)")
            }
            try await client.execute(uri: "/readyz", method: .get, headers: [.authorization: "Bearer \(Self.token)"]) {
                #expect($0.status == .serviceUnavailable && String(buffer: $0.body).contains("secret-name"))
            }
        }
        // Who the server lets scrape, from its settings.
        var configuration = EntitleConfiguration()
        #expect(MetricsController.Access(configuration) == .open, "loopback only: nobody else can reach it")
        for host in ["0.0.0.0", "::", "10.0.0.5"] {
            configuration.httpHost = host
            #expect(MetricsController.Access(configuration) == .closed, "\(host)")
        }
        configuration.metricsPublic = true
        #expect(MetricsController.Access(configuration) == .open)
        configuration.metricsToken = "metrics-token-0123456789abcdef"
        #expect(MetricsController.Access(configuration) == .token("metrics-token-0123456789abcdef"))
    }

    @Test(
        "Guessable secrets are refused at start, naming the setting",
        arguments: [
            "entitle-admin-2024", "Password2025!Password", "aaaaaaaaaaaaaaaaaaaaaaaa", "abababababababababab",
            "short-secret",
        ]
    )
    func guessable(secret: String) {
        var configuration = EntitleConfiguration()
        configuration.adminToken = secret
        #expect(throws: ConfigurationError.self) { try configuration.validate() }
        configuration.adminToken = "f3a9c1d27be04e6a"
        #expect(throws: Never.self) { try configuration.validate() }
    }

    @Test("During a rotation each callback carries a signature with each secret; either verifies it")
    func callbackRotation() {
        let body = Data(#"{"id":"cb-1"}"#.utf8)
        let now = Date()
        let header = CallbackSigner(secrets: ["new-secret-0123456789", "old-secret-0123456789"])
            .signature(body: body, timestamp: Int(now.timeIntervalSince1970))
        #expect(header.components(separatedBy: "v1=").count == 3, "\(header)")
        for secret in ["new-secret-0123456789", "old-secret-0123456789"] {
            #expect(CallbackSigner(secret: secret).verify(header: header, body: body, now: now), "\(secret)")
        }
        #expect(!CallbackSigner(secret: "other-secret-0123456789").verify(header: header, body: body, now: now))
    }

    @Test("Attacker-written values are cut and their control characters escaped")
    func bounded() {
        let kid = String(repeating: "k", count: 60_000)
        #expect(kid.bounded().utf8.count < 230 && kid.bounded().hasSuffix("…(60000 bytes)"))
        #expect("a\nINFO forged line\r\u{1b}[31m".bounded() == "a\\u{a}INFO forged line\\u{d}\\u{1b}[31m")
        #expect("plain".bounded() == "plain")
    }
}
