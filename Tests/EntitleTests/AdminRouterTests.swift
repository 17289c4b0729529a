import EntitleStore
import EntitleTestSupport
import Foundation
import GoogleCloud
import Hummingbird
import HummingbirdTesting
import MarketplaceCore
import Testing

@testable import Entitle

/// The admin API's credential and its store-only answers, and the health probes, through
/// Hummingbird's router alone (no server, no emulator; Google is a closed port nobody should call).
@Suite(.paced) struct AdminRouterTests {
    static let token = "admin-token-0123456789abcdef"

    struct Fixture {
        var client: any TestClientProtocol
        var store: SQLiteStore
        var readiness: Readiness
        /// "METHOD /path/{param}" of every route the router has.
        var routes: [(method: HTTPRequest.Method, path: String)]
    }

    private func withRouter(_ body: @Sendable (Fixture) async throws -> Void) async throws {
        try await TemporaryDatabase.withPath { path in
            let store = try await SQLiteStore(path: path)
            let transport = GoogleAPITransport(credentials: NoTokenProvider(), retryPolicy: .none)
            let procurement = ProcurementClient(
                provider: try ProviderID("vendor"),
                baseURL: URL(string: "http://127.0.0.1:9/")!,
                transport: transport
            )
            let processor = NotificationProcessor(store: store, procurement: procurement, policies: ApprovalPolicies())
            let readiness = Readiness()
            let router = Router()
            HealthController(store: store, readiness: readiness, adminTokens: [Self.token]).register(on: router)
            AdminAPIController(store: store, processor: processor, tokens: [Self.token]).register(on: router)
            let routes = router.routes.map { (method: $0.method, path: $0.path.description) }
            try await Application(router: router).test(.router) { client in
                try await body(Fixture(client: client, store: store, readiness: readiness, routes: routes))
            }
        }
    }

    @Test("every admin route, as the router lists them, is 401 without the admin token or with another")
    func adminCredential() async throws {
        try await withRouter { fixture in
            // Listed from the router: a route added later is checked without editing this test.
            let routes = fixture.routes.filter { $0.path.hasPrefix("/api/admin") }
            #expect(routes.count >= 18, "\(routes.map(\.path))")
            for route in routes {
                let uri = route.path.split(separator: "/").map { $0.hasPrefix("{") ? "x-1" : $0 }
                    .joined(separator: "/")
                for headers: HTTPFields in [
                    [:], [.authorization: "Bearer not-the-token"], [.authorization: Self.token],
                    [.authorization: "Bearer \(Self.token)x"],
                ] {
                    try await fixture.client.execute(uri: "/" + uri, method: route.method, headers: headers) {
                        response in
                        #expect(response.status == .unauthorized, "\(route.method) /\(uri) with \(headers)")
                        #expect(response.headers[.wwwAuthenticate] == "Bearer")
                    }
                }
            }
        }
    }

    @Test("admin API from the store alone: an empty page, a clear 400 for an unknown state, 404 for no such order")
    func storeOnlyAnswers() async throws {
        try await withRouter { fixture in
            let admin: HTTPFields = [.authorization: "Bearer \(Self.token)"]
            try await fixture.client.execute(uri: "/api/admin/entitlements", method: .get, headers: admin) {
                #expect($0.status == .ok && String(buffer: $0.body).contains(#""entitlements":[]"#))
            }
            try await fixture.client.execute(
                uri: "/api/admin/entitlements?state=sleeping",
                method: .get,
                headers: admin
            ) {
                let text = String(buffer: $0.body)
                #expect($0.status == .badRequest && text.contains("state sleeping is not one of"), "\(text)")
            }
            try await fixture.client.execute(uri: "/api/admin/entitlements/E-404", method: .get, headers: admin) {
                #expect($0.status == .notFound, "\(String(buffer: $0.body))")
            }
            try await fixture.client.execute(uri: "/api/admin/entitlements?limit=0", method: .get, headers: admin) {
                #expect($0.status == .badRequest, "\(String(buffer: $0.body))")
            }
        }
    }

    @Test("healthz answers with the version; readyz is 503 naming each problem to the admin, ready once they clear")
    func probes() async throws {
        try await withRouter { fixture in
            try await fixture.client.execute(uri: "/healthz", method: .get) {
                #expect($0.status == .ok && String(buffer: $0.body).contains(EntitleVersion.current))
            }
            try await fixture.client.execute(uri: "/readyz", method: .get) { #expect($0.status == .ok) }
            fixture.readiness.set("subscription", problem: "pull refused: 404")
            let admin: HTTPFields = [.authorization: "Bearer \(Self.token)"]
            try await fixture.client.execute(uri: "/readyz", method: .get, headers: admin) {
                let text = String(buffer: $0.body)
                #expect($0.status == .serviceUnavailable && text.contains("pull refused: 404"), "\(text)")
            }
            fixture.readiness.set("subscription", problem: nil)
            try await fixture.client.execute(uri: "/readyz", method: .get) { #expect($0.status == .ok) }
        }
    }
}
