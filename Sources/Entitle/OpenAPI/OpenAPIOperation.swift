import MarketplaceCore

/// One operation of the contract: method, path (OpenAPI's `{name}` form), who may call it, what it
/// takes and every status it answers with. The server's route table is checked against these.
struct OpenAPIOperation {
    enum Security: String {
        case admin = "adminToken"
        case app = "appKey"
        case metrics = "metricsToken"
        case push = "pushToken"
    }

    var method: String
    var path: String
    var id: String
    var tag: String
    var summary: String
    var security: Security?
    /// With `.app`: the permission the app key needs (listed in the security requirement, as
    /// OpenAPI 3.1 allows roles for any scheme); without it the answer is 403.
    var permission: AppAccess.Permission?
    var parameters: [JSONValue] = []
    var body: JSONValue?
    var responses: [Int: JSONValue]

    /// "GET /v1/entitlements/{id}", as the route table is compared.
    var route: String { "\(method.uppercased()) \(path)" }

    var json: JSONValue {
        var responses = responses
        if let permission {
            let refused =
                "The app key lacks `\(permission.rawValue)`, or the entitlement is of a product the key may not use"
            let more = responses[403].flatMap {
                if case .object(let o) = $0, case .string(let d) = o["description"] ?? .null { d } else { nil }
            }
            responses[403] = Self.problem(more.map { refused + "; or: " + $0 } ?? refused + ".")
        }
        if let security, security != .push {
            // Failed credentials from one address are slowed (`authFailureLimit`).
            responses[429] = Self.problem(
                "Too many failed credentials from this address; `Retry-After` says when to retry."
            )
        }
        var members: [String: JSONValue] = [
            "operationId": .string(id),
            "tags": [.string(tag)],
            "summary": .string(summary),
            "responses": .object(Dictionary(uniqueKeysWithValues: responses.map { (String($0.key), $0.value) })),
        ]
        if !parameters.isEmpty { members["parameters"] = .array(parameters) }
        if let body { members["requestBody"] = body }
        if let security {
            members["security"] = [
                .object([security.rawValue: .array([permission].compactMap { $0.map { .string($0.rawValue) } })])
            ]
        } else {
            members["security"] = []
        }
        return .object(members)
    }

    // MARK: Parts

    static func pathParameter(
        _ name: String,
        _ description: String,
        _ schema: JSONValue = JSONSchema.nonEmptyString
    ) -> JSONValue {
        ["name": .string(name), "in": "path", "required": true, "description": .string(description), "schema": schema]
    }

    static func query(
        _ name: String,
        _ description: String,
        _ schema: JSONValue = JSONSchema.string,
        required: Bool = false
    ) -> JSONValue {
        [
            "name": .string(name), "in": "query", "required": .bool(required), "description": .string(description),
            "schema": schema,
        ]
    }

    static func header(_ name: String, _ description: String) -> JSONValue {
        [
            "name": .string(name), "in": "header", "required": false, "description": .string(description),
            "schema": JSONSchema.string,
        ]
    }

    static func jsonBody(_ schema: JSONValue, required: Bool = true, _ description: String) -> JSONValue {
        [
            "required": .bool(required), "description": .string(description),
            "content": ["application/json": ["schema": schema]],
        ]
    }

    static func json(_ description: String, _ schema: JSONValue, headers: [String: JSONValue] = [:]) -> JSONValue {
        var members: [String: JSONValue] = [
            "description": .string(description), "content": ["application/json": ["schema": schema]],
        ]
        if !headers.isEmpty { members["headers"] = .object(headers) }
        return .object(members)
    }

    /// Entitle's one error shape.
    static func problem(_ description: String) -> JSONValue { json(description, JSONSchema.ref("Problem")) }

    static func html(_ description: String) -> JSONValue {
        ["description": .string(description), "content": ["text/html": ["schema": JSONSchema.string]]]
    }

    static func text(_ description: String, type: String = "text/plain") -> JSONValue {
        ["description": .string(description), "content": [type: ["schema": JSONSchema.string]]]
    }

    static func empty(_ description: String, headers: [String: JSONValue] = [:]) -> JSONValue {
        var members: [String: JSONValue] = ["description": .string(description)]
        if !headers.isEmpty { members["headers"] = .object(headers) }
        return .object(members)
    }

    static func responseHeader(_ description: String) -> JSONValue {
        ["description": .string(description), "schema": JSONSchema.string]
    }
}
