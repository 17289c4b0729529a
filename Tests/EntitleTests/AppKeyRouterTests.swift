import EntitleStore
import EntitleTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import MarketplaceCore
import NIOCore
import Testing

@testable import Entitle

/// `/v1`'s credential as route-group middleware, through Hummingbird's router alone (no server, no
/// emulator): every route is closed without an app key or with a wrong one, and a route runs for
/// the app whose key opened it.
@Suite(.paced) struct AppKeyRouterTests {
    static let keys = ["billing": "billing-key-0123456789abcdef", "web": "web-key-0123456789abcdefghi"]
    static let verifier = String(repeating: "v", count: 43)

    @Test("v1: every route is 401 without an app key or with a wrong one; a hand-off code is the app's own")
    func appKeys() async throws {
        try await TemporaryDatabase.withPath { path in
            let store = try await SQLiteStore(path: path)
            let router = Router()
            let v1 = router.group("v1", context: AppRequestContext<BasicRequestContext>.self)
                .add(middleware: AppKeyMiddleware(keys: AppKeys(Self.keys.mapValues(AppAccess.init))))
            UsageAPIController(recorder: UsageRecorder(store: store, catalog: UsageCatalog())).register(on: v1)
            AppAPIController(store: store, catalog: UsageCatalog()).register(on: v1)
            let now = Timestamp(Date())
            try await store.createHandoff(
                Handoff(
                    codeHash: Handoffs.hash("code-for-web"),
                    app: "web",
                    accountID: try AccountID("A-1"),
                    customerID: "C-gone",
                    createdAt: now,
                    expiresAt: now.adding(seconds: 300),
                    challenge: Handoffs.challenge(verifier: Self.verifier)
                )
            )
            try await Application(router: router).test(.router) { client in
                let routes: [(HTTPRequest.Method, String)] = [
                    (.post, "/v1/usage"), (.post, "/v1/handoffs/code-for-web"), (.get, "/v1/entitlements/E-1"),
                    (.get, "/v1/accounts/A-1/entitlements"), (.get, "/v1/customers/C-1"),
                ]
                for (method, uri) in routes {
                    for headers: HTTPFields in [[:], [.authorization: "Bearer not-a-key"], [.authorization: "billing"]]
                    {
                        try await client.execute(uri: uri, method: method, headers: headers) { response in
                            #expect(response.status == .unauthorized, "\(method) \(uri) with \(headers)")
                            #expect(response.headers[.wwwAuthenticate] == "Bearer")
                            #expect(String(buffer: response.body).contains(#""status":401"#))
                        }
                    }
                }
                // Billing's key does not find web's code; web's redeems it (its customer is gone here).
                let billing: HTTPFields = [.authorization: "Bearer \(Self.keys["billing"]!)"]
                let web: HTTPFields = [.authorization: "Bearer \(Self.keys["web"]!)"]
                let proof = ByteBuffer(string: #"{"verifier": "\#(Self.verifier)"}"#)
                try await client.execute(uri: "/v1/handoffs/code-for-web", method: .post, headers: billing, body: proof)
                {
                    #expect($0.status == .notFound)
                }
                try await client.execute(uri: "/v1/handoffs/code-for-web", method: .post, headers: web, body: proof) {
                    #expect($0.status == .gone && String(buffer: $0.body).contains("customer of this hand-off is gone"))
                }
                try await client.execute(uri: "/v1/entitlements/E-1", method: .get, headers: billing) {
                    #expect($0.status == .notFound && String(buffer: $0.body).contains("no entitlement E-1"))
                }
            }
        }
    }
}
