import EntitleStore
import EntitleTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import MarketplaceCore
import NIOCore
import Testing

@testable import Entitle

/// Scoped app keys through Hummingbird's router and a real SQLite store: a key opens only the
/// routes of its permissions and the entitlements of its products (403 otherwise, nothing written),
/// a bare key keeps every permission, and an app's second key works while it is rotated.
@Suite(.paced) struct AppKeyScopeTests {
    static let apps: [String: AppAccess] = [
        "reader": AppAccess(
            keys: ["reader-key-0123456789abcdef"],
            permissions: [.entitlementsRead],
            products: ["svc-a"]
        ),
        "biller": AppAccess(keys: ["biller-key-0123456789abcdef"], permissions: [.usageWrite], products: ["svc-a"]),
        "crm": AppAccess(keys: ["crm-key-0123456789abcdefgh"], permissions: [.customersRead], products: ["svc-b"]),
        "all": AppAccess(keys: ["all-key-0123456789abcdefgh", "all-key-next-0123456789abcdef"]),
    ]

    static func bearer(_ app: String, _ index: Int = 0) -> HTTPFields {
        [.authorization: "Bearer \(apps[app]!.keys[index])"]
    }

    static func usage(_ entitlement: String, _ key: String) -> ByteBuffer {
        ByteBuffer(
            string:
                #"{"entitlementId": "\#(entitlement)", "metric": "requests", "quantity": 1, "#
                + #""idempotencyKey": "\#(key)"}"#
        )
    }

    @Test("A scoped key reads and bills its products only, with its permissions only; 403 otherwise")
    func scopes() async throws {
        try await TemporaryDatabase.withPath { path in
            let store = try await SQLiteStore(path: path)
            let account = try AccountID("A-1")
            let products: [String] = ["svc-a", "svc-b"]
            let entitlements = try products.map { product in
                LocalEntitlement(
                    id: try EntitlementID("E-\(product)"),
                    accountID: account,
                    resource: Entitlement(
                        name: "providers/p/entitlements/E-\(product)",
                        product: product,
                        plan: "basic",
                        state: .active,
                        usageReportingId: "\(product).example.com",
                        updateTime: Timestamp(seconds: 100)
                    )
                )
            }
            _ = try await store.commit(StoreCommit(entitlements: entitlements, accounts: [LocalAccount(id: account)]))
            let catalog = UsageCatalog(products: ["svc-a": ["basic": ["requests"]], "svc-b": ["basic": ["requests"]]])
            let router = Router()
            let v1 = router.group("v1", context: AppRequestContext<BasicRequestContext>.self)
                .add(middleware: AppKeyMiddleware(keys: AppKeys(Self.apps)))
            UsageAPIController(recorder: UsageRecorder(store: store, catalog: catalog)).register(on: v1)
            AppAPIController(store: store, catalog: catalog).register(on: v1)
            try await Application(router: router).test(.router) { client in
                func status(
                    _ method: HTTPRequest.Method,
                    _ uri: String,
                    _ app: String,
                    _ body: ByteBuffer? = nil
                )
                    async throws -> (HTTPResponse.Status, String)
                {
                    try await client.execute(uri: uri, method: method, headers: Self.bearer(app), body: body) {
                        ($0.status, String(buffer: $0.body))
                    }
                }
                // Reader: its product's entitlement, not the other's, and nothing but reading.
                #expect(try await status(.get, "/v1/entitlements/E-svc-a", "reader").0 == .ok)
                let other = try await status(.get, "/v1/entitlements/E-svc-b", "reader")
                #expect(other.0 == .forbidden && other.1.contains(#""status":403"#), "\(other)")
                let account = try await status(.get, "/v1/accounts/A-1/entitlements", "reader")
                #expect(account.0 == .ok && account.1.contains("E-svc-a") && !account.1.contains("E-svc-b"))
                #expect(try await status(.post, "/v1/usage", "reader", Self.usage("E-svc-a", "r1")).0 == .forbidden)
                #expect(try await status(.get, "/v1/customers/C-1", "reader").0 == .forbidden)
                // Biller: bills its product; another product's entitlement is refused and nothing recorded.
                let own = try await status(.post, "/v1/usage", "biller", Self.usage("E-svc-a", "b1"))
                #expect(own.0 == .accepted, "\(own)")
                let billed = try await status(.post, "/v1/usage", "biller", Self.usage("E-svc-b", "b2"))
                #expect(billed.0 == .forbidden && billed.1.contains("E-svc-b"), "\(billed)")
                #expect(try await status(.get, "/v1/entitlements/E-svc-a", "biller").0 == .forbidden)
                // A bare key does everything, with either of its keys while one is rotated.
                #expect(try await status(.post, "/v1/usage", "all", Self.usage("E-svc-b", "a1")).0 == .accepted)
                try await client.execute(uri: "/v1/entitlements/E-svc-b", method: .get, headers: Self.bearer("all", 1))
                {
                    #expect($0.status == .ok)
                }
                // The refused record was not kept: sent again with a key that may bill it, it is new.
                let again = try await status(.post, "/v1/usage", "all", Self.usage("E-svc-b", "b2"))
                #expect(again.0 == .accepted && again.1.contains(#""status":"accepted""#), "\(again)")
            }
        }
    }

    @Test("usageAPIKeys: a bare string is every permission; an object scopes; mistakes are named")
    func settings() throws {
        let file = #"""
            {"usageAPIKeys": {"web": "web-key-0123456789abcdef",
              "billing": {"keys": ["billing-key-0123456789abcdef"], "permissions": ["usage:write"],
                          "products": ["svc"]}}}
            """#
        let configuration = try JSONDecoder().decode(EntitleConfiguration.self, from: Data(file.utf8))
        #expect(configuration.usageAPIKeys["web"] == AppAccess("web-key-0123456789abcdef"))
        let billing = try #require(configuration.usageAPIKeys["billing"])
        #expect(billing.permissions == [.usageWrite] && billing.products == ["svc"])
        let encoded = try JSONEncoder().encode(configuration.usageAPIKeys["web"])
        #expect(String(decoding: encoded, as: UTF8.self) == #""web-key-0123456789abcdef""#)
        let typo =
            #"{"usageAPIKeys": {"b": {"keys": ["billing-key-0123456789abcdef"], "permissions": ["usage:wirte"]}}}"#
        #expect(throws: (any Error).self) { try JSONDecoder().decode(EntitleConfiguration.self, from: Data(typo.utf8)) }
        var shared = EntitleConfiguration()
        shared.usageAPIKeys = [
            "a": AppAccess("same-key-0123456789abcdef"), "b": AppAccess("same-key-0123456789abcdef"),
        ]
        #expect(throws: ConfigurationError.self) { try shared.validate() }
        var empty = EntitleConfiguration()
        empty.usageAPIKeys = ["a": AppAccess(keys: ["a-key-0123456789abcdefgh"], permissions: [])]
        #expect(throws: ConfigurationError.self) { try empty.validate() }
    }
}
