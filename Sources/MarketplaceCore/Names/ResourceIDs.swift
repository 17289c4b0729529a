/// An opaque, validated id: non-empty, one path segment. The concrete ids below differ only in kind,
/// so parsing, ordering and coding live here once.
public protocol ResourceIdentifier: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// What the id names, for error messages ("account id").
    static var kind: String { get }
    var rawValue: String { get }
    /// Wraps a value already checked by `validatedID`; use `init(_:)` everywhere else.
    init(validated rawValue: String)
}

extension ResourceIdentifier {
    /// - Throws: `ResourceNameError` for an empty id or one with `/`, whitespace or control characters.
    public init(_ rawValue: String) throws(ResourceNameError) {
        self.init(validated: try validatedID(rawValue, kind: Self.kind))
    }

    /// The id in the last segment of a name such as `providers/{p}/accounts/{a}` or `accounts/{a}`
    /// (contract §3: clients take the last path segment).
    public init(lastSegmentOf name: String) throws(ResourceNameError) {
        try self.init(String(name.split(separator: "/", omittingEmptySubsequences: false).last ?? ""))
    }

    public var description: String { rawValue }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        do {
            try self.init(try container.decode(String.self))
        } catch let error as ResourceNameError {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// A provider (partner) id, the `{p}` of `providers/{p}/…`, e.g. `DEMO-my-project`.
public struct ProviderID: ResourceIdentifier {
    public static let kind = "provider id"
    public let rawValue: String
    public init(validated rawValue: String) { self.rawValue = rawValue }
}

/// An account id, as in messages (`account.id`) and the last segment of account names.
public struct AccountID: ResourceIdentifier {
    public static let kind = "account id"
    public let rawValue: String
    public init(validated rawValue: String) { self.rawValue = rawValue }
}

/// An entitlement id, as in messages (`entitlement.id`) and the last segment of entitlement names.
public struct EntitlementID: ResourceIdentifier {
    public static let kind = "entitlement id"
    public let rawValue: String
    public init(validated rawValue: String) { self.rawValue = rawValue }
}
