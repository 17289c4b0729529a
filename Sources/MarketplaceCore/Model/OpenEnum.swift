/// A string enum that keeps values it does not know instead of failing to decode.
///
/// Google adds enum values and event types without notice; a closed enum turns one new value into
/// an undecodable message and an endless redelivery loop (contract §1.2, §8). Conforming enums
/// list their known cases and have a `case unknown(String)`, which satisfies `unknown(_:)`.
public protocol OpenEnum: Codable, Hashable, Sendable, CustomStringConvertible {
    /// Every named case, used to map wire strings back to cases.
    static var knownCases: [Self] { get }
    /// The case holding a value this version does not know.
    static func unknown(_ rawValue: String) -> Self
    /// The value as written on the wire.
    var rawValue: String { get }
}

extension OpenEnum {
    /// The known case for `rawValue`, or `.unknown(rawValue)`.
    public init(rawValue: String) {
        self = Self.knownCases.first { $0.rawValue == rawValue } ?? .unknown(rawValue)
    }

    /// Whether this value is one this version does not know.
    public var isUnknown: Bool { !Self.knownCases.contains(self) }

    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
