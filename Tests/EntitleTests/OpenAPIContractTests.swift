import Entitle
import EntitleTestSupport
import Foundation
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// The OpenAPI contract against the server's own route table, and what
/// `/openapi.json` serves. The answers themselves are checked against it by
/// Interop/contract (seeded answers and schemathesis), in CI.
@Suite(.paced) struct OpenAPIContractTests {
    static let key = "openapi-contract-key-0123456789abcdef"

    struct Document: Decodable {
        var openapi: String
        var paths: [String: [String: Operation]]
        var webhooks: [String: [String: Operation]]
        var components: Components

        struct Operation: Decodable {
            var operationId: String
            var security: [[String: [String]]]?
            var responses: [String: Response]
        }

        struct Response: Decodable {
            var content: [String: Schema]?
        }

        struct Schema: Decodable {
            var schema: [String: JSONValue]
        }

        struct Components: Decodable {
            var schemas: [String: JSONValue]
        }

        var routes: Set<String> {
            Set(paths.flatMap { path, methods in methods.keys.map { "\($0.uppercased()) \(path)" } })
        }
    }

    func withEntitle(full: Bool, _ body: @Sendable (RunningEntitle) async throws -> Void) async throws {
        try await TemporaryDatabase.withPath { path in
            try await EmulatorHarness.withEmulator { running in
                try await EntitleHarness.withEntitle(running, storePath: path) { configuration in
                    guard full else { return }
                    configuration.adminToken = Self.key
                    configuration.usageAPIKeys = ["app": AppAccess(Self.key)]
                    configuration.signupApp = "app"
                    configuration.metricsEnabled = true
                    configuration.usageReportIntervalSeconds = 3600
                    configuration.delivery = "push"
                    configuration.pushServiceAccount = "push@vendor.iam.gserviceaccount.com"
                    configuration.callbackURL = "http://127.0.0.1:9/callbacks"
                    configuration.callbackSecret = "openapi-contract-callback-secret-0123"
                    configuration.agentProducts = ["example-messaging-service"]
                    configuration.agentAudiences = ["https://agent.example.com"]
                    configuration.agentRegistrarURL = "http://127.0.0.1:9/register"
                    configuration.agentSecretKey = "openapi-contract-agent-seal-key-0123456789"
                } _: { entitle in
                    try await body(entitle)
                }
            }
        }
    }

    @Test("a fully configured server has exactly the document's operations, no more and no fewer")
    func everyRouteDocumented() async throws {
        try await withEntitle(full: true) { entitle in
            let routes = entitle.built.routes
            #expect(
                routes.subtracting(OpenAPIDocument.routes).isEmpty,
                "undocumented: \(routes.subtracting(OpenAPIDocument.routes).sorted())"
            )
            #expect(
                OpenAPIDocument.routes.subtracting(routes).isEmpty,
                "documented, not served: \(OpenAPIDocument.routes.subtracting(routes).sorted())"
            )
            let served = try await JSONHTTPClient(baseURL: entitle.baseURL).get("openapi.json").decode(Document.self)
            #expect(
                served.openapi == "3.1.0" && served.routes == routes,
                "\(served.routes.symmetricDifference(routes).sorted())"
            )
            // No metricsToken set: /metrics asks for none, and the contract says so.
            #expect(served.paths["/metrics"]?["get"]?.security == [], "\(String(describing: served.paths["/metrics"]))")
            #expect(served.paths["/api/admin/events"]?["get"]?.security == [["adminToken": []]])
        }
    }

    @Test("the served document lists only what this configuration serves")
    func servedAsConfigured() async throws {
        try await withEntitle(full: false) { entitle in
            let served = try await JSONHTTPClient(baseURL: entitle.baseURL).get("openapi.json").decode(Document.self)
            #expect(served.routes == entitle.built.routes)
            #expect(served.routes.contains("GET /healthz") && served.routes.contains("POST /signup"))
            #expect(
                !served.routes.contains(where: {
                    $0.contains("/api/admin") || $0.contains("/v1/") || $0.contains("/pubsub/push")
                }),
                "\(served.routes.sorted())"
            )
        }
    }

    @Test("every $ref resolves, operation ids are unique, every callback type is a webhook with a JSON body")
    func documentIsWhole() throws {
        let data = try OpenAPIDocument.json(serverURL: "http://127.0.0.1")
        let document = try JSONDecoder().decode(Document.self, from: data)
        let text = String(decoding: data, as: UTF8.self)
        let refs = Set(text.matches(of: /"\$ref":"#\/components\/schemas\/([A-Za-z]+)"/).map { String($0.output.1) })
        #expect(
            !refs.isEmpty && refs.subtracting(document.components.schemas.keys).isEmpty,
            "\(refs.subtracting(document.components.schemas.keys))"
        )
        let ids = document.paths.values.flatMap { $0.values.map(\.operationId) }
        #expect(Set(ids).count == ids.count)
        #expect(Set(document.webhooks.keys) == Set(CallbackKind.allCases.map(\.rawValue)))
        for (path, methods) in document.paths {
            for (method, operation) in methods {
                #expect(!operation.responses.isEmpty, "\(method) \(path)")
                // Every JSON API error is the one shape.
                for (status, response) in operation.responses where status.hasPrefix("4") && path.hasPrefix("/api") {
                    #expect(
                        response.content?["application/json"]?.schema["$ref"]
                            == .string("#/components/schemas/Problem"),
                        "\(method) \(path) \(status)"
                    )
                }
            }
        }
    }

    @Test("a known path asked with a method it does not have is 405 with Allow, not 404")
    func methodNotAllowed() async throws {
        try await withEntitle(full: false) { entitle in
            let site = JSONHTTPClient(baseURL: entitle.baseURL)
            for (method, path, allow) in [
                ("DELETE", "healthz", "GET"), ("TRACE", "signup", "POST"), ("GET", "signup/complete", "POST"),
            ] {
                let reply = try await site.send(method, path)
                #expect(
                    reply.status == 405 && reply.headers["allow"] == allow,
                    "\(method) \(path): \(reply) \(reply.headers)"
                )
            }
            #expect(try await site.send("DELETE", "no/such/route").status == 404)
        }
    }
}
