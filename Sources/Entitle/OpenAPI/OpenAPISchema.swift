import MarketplaceCore

/// JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1) in a few words, for the contract
/// written in code. Objects are open (`additionalProperties` allowed) unless said closed: answers
/// may gain fields without breaking a client; request bodies that Entitle refuses unknown fields in
/// are closed, so the contract says so.
enum JSONSchema {
    static let string: JSONValue = ["type": "string"]
    static let nonEmptyString: JSONValue = ["type": "string", "minLength": 1]
    /// A Marketplace id (account, entitlement): never empty, no '/', whitespace or control character.
    static let id: JSONValue = [
        "type": "string",
        "pattern": #"^[^/\x00-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$"#,
    ]
    static let time: JSONValue = ["type": "string", "format": "date-time"]
    static let integer: JSONValue = ["type": "integer"]
    static let int64: JSONValue = ["type": "integer", "format": "int64"]
    static let boolean: JSONValue = ["type": "boolean"]
    /// Bytes, as Swift's JSONEncoder writes `Data`.
    static let base64: JSONValue = ["type": "string", "contentEncoding": "base64"]
    static let stringMap: JSONValue = ["type": "object", "additionalProperties": string]

    static func ref(_ name: String) -> JSONValue { .object(["$ref": .string("#/components/schemas/\(name)")]) }

    static func array(_ items: JSONValue) -> JSONValue { ["type": "array", "items": items] }

    static func oneOf(_ values: [String]) -> JSONValue {
        ["type": "string", "enum": .array(values.map(JSONValue.string))]
    }

    static func described(_ schema: JSONValue, _ description: String) -> JSONValue {
        var members = schema.members
        members["description"] = .string(description)
        return .object(members)
    }

    /// An object whose `required` members are always written and whose `optional` ones are left
    /// out when they have no value (as Swift's synthesized `Encodable` does).
    static func object(
        _ required: [String: JSONValue],
        optional: [String: JSONValue] = [:],
        description: String? = nil,
        closed: Bool = false
    ) -> JSONValue {
        var members: [String: JSONValue] = [
            "type": "object", "properties": .object(required.merging(optional) { first, _ in first }),
        ]
        if !required.isEmpty { members["required"] = .array(required.keys.sorted().map(JSONValue.string)) }
        if closed { members["additionalProperties"] = false }
        if let description { members["description"] = .string(description) }
        return .object(members)
    }
}

extension JSONValue {
    /// An object with `more` members added (a schema with a further keyword).
    func merging(_ more: [String: JSONValue]) -> JSONValue { .object(members.merging(more) { _, new in new }) }
}
