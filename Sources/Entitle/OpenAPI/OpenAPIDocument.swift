public import Foundation
import MarketplaceCore

/// Entitle's HTTP contract as an OpenAPI 3.1 document: every operation of `/v1`, `/api/admin`,
/// sign-up, push, health and metrics, the provisioning callbacks as `webhooks`, and the schema of
/// every body. Written in code rather than shipped as a file, because the binary is all a
/// deployment has (no resource bundle beside it) and because the served copy lists only the
/// operations the running configuration has (no push endpoint when Entitle pulls, no usage API
/// without app keys). A test checks the full document against the server's route table both ways.
public enum OpenAPIDocument {
    /// Every operation Entitle can serve.
    static var operations: [OpenAPIOperation] { appOperations + agentOperations + adminOperations + edgeOperations }

    /// "METHOD /path" of every operation, in the route table's form.
    public static var routes: Set<String> { Set(operations.map(\.route)) }

    /// The document; only the operations among `routes` when given.
    public static func json(
        serverURL: String,
        routes: Set<String>? = nil,
        metricsTokenRequired: Bool = true,
        agentPath: String = agentRegistrationPath
    ) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(
            document(
                serverURL: serverURL,
                routes: routes,
                metricsTokenRequired: metricsTokenRequired,
                agentPath: agentPath
            )
        )
    }

    static func document(
        serverURL: String,
        routes: Set<String>?,
        metricsTokenRequired: Bool,
        agentPath: String = agentRegistrationPath
    ) -> JSONValue {
        var paths: [String: [String: JSONValue]] = [:]
        let placed = operations.map { operation in
            var operation = operation
            if operation.id == agentRegistrationID { operation.path = agentPath }
            return operation
        }
        for var operation in placed where routes?.contains(operation.route) ?? true {
            if operation.security == .metrics && !metricsTokenRequired {
                operation.security = nil
                operation.responses[401] = nil
            }
            paths[operation.path, default: [:]][operation.method] = operation.json
        }
        let bearer = { (description: String) -> JSONValue in
            ["type": "http", "scheme": "bearer", "description": .string(description)]
        }
        return [
            "openapi": "3.1.0",
            "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
            "info": [
                "title": "Entitle",
                "version": .string(EntitleVersion.current),
                "summary":
                    "Google Cloud Marketplace for a SaaS vendor: notifications, sign-up, entitlements, usage, and the vendor's app.",
                "description": """
                Errors are one JSON shape everywhere ({"error", "status"}); the buyer-facing sign-up answers pages. \
                Every answer carries X-Request-Id. Callbacks to the vendor's app are under webhooks.
                """,
                "license": ["name": "Apache-2.0", "identifier": "Apache-2.0"],
            ],
            "servers": [["url": .string(serverURL)]],
            "tags": .array(
                [
                    ("app", "The vendor's app, with its app key."),
                    ("usage", "Usage: recorded by the app, reported to Google by Entitle."),
                    ("agents", "AI agents: Gemini Enterprise's client of each order."),
                    ("entitlements", "Orders, with the admin token."),
                    ("accounts", "Marketplace accounts and their customers."),
                    ("callbacks", "Provisioning callbacks to the vendor's app."),
                    ("notifications", "Marketplace's Pub/Sub notifications."),
                    ("audit", "What happened, and who did it."), ("signup", "The buyer's sign-up pages."),
                    ("operations", "Health, readiness, metrics, replicas, this document."),
                ].map { ["name": .string($0.0), "description": .string($0.1)] }
            ),
            "paths": .object(paths.mapValues { .object($0) }),
            "webhooks": .object(webhooks),
            "components": [
                "schemas": .object(schemas),
                "securitySchemes": [
                    "adminToken": bearer("The admin token (adminToken; sandbox mode prints one)."),
                    "appKey": bearer(
                        "An app key: one of an app's keys in usageAPIKeys. A bare key may do everything; a scoped "
                            + "app has the permissions each operation lists (usage:write, entitlements:read, "
                            + "customers:read, handoffs, signups) and, if it lists products, only their entitlements."
                    ),
                    "metricsToken": bearer(
                        "metricsToken, when it is set; otherwise none is needed on loopback or with metricsPublic, "
                            + "and /metrics is closed (403) beyond loopback."
                    ),
                    "pushToken": [
                        "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                        "description":
                            "The OIDC token Pub/Sub push signs (audience pushAudience, email pushServiceAccount).",
                    ],
                ],
            ],
        ]
    }
}
