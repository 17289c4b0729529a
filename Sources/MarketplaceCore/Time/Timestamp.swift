public import Foundation

/// An exact point in time as Google's APIs write it: RFC 3339, UTC, up to nanosecond precision.
///
/// `Date` is a `Double` and loses nanoseconds, and `updateTime` comparisons decide whether an update
/// is stale (contract §1.4), so timestamps are kept as whole seconds plus nanoseconds and compared
/// exactly. They encode as the RFC 3339 string Google sends (`2022-01-01T00:00:00Z`).
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Seconds since 1970-01-01T00:00:00Z.
    public var seconds: Int64
    /// Nanoseconds within the second, `0..<1_000_000_000`.
    public var nanos: Int32

    public init(seconds: Int64, nanos: Int32 = 0) {
        precondition((0..<1_000_000_000).contains(nanos), "nanos out of range")
        self.seconds = seconds
        self.nanos = nanos
    }

    /// The timestamp nearest to `date`, rounded to microseconds (what a `Double` date can carry).
    public init(_ date: Date) {
        let micros = (date.timeIntervalSince1970 * 1_000_000).rounded()
        let whole = (micros / 1_000_000).rounded(.down)
        seconds = Int64(whole)
        nanos = Int32((micros - whole * 1_000_000) * 1000)
    }

    public var date: Date {
        Date(timeIntervalSince1970: Double(seconds) + Double(nanos) / 1_000_000_000)
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        (lhs.seconds, lhs.nanos) < (rhs.seconds, rhs.nanos)
    }

    public func adding(seconds delta: Int64) -> Timestamp {
        Timestamp(seconds: seconds + delta, nanos: nanos)
    }

    public func adding(nanoseconds delta: Int64) -> Timestamp {
        let total = Int64(nanos) + delta % 1_000_000_000
        let carry = total >= 1_000_000_000 ? 1 : total < 0 ? -1 : 0
        return Timestamp(
            seconds: seconds + delta / 1_000_000_000 + Int64(carry),
            nanos: Int32(total - Int64(carry) * 1_000_000_000)
        )
    }

    /// The range RFC 3339 (four-digit years) and protobuf's Timestamp can write.
    public static let earliest = Timestamp(seconds: -62_135_596_800)
    public static let latest = Timestamp(seconds: 253_402_300_799, nanos: 999_999_999)

    /// RFC 3339 in UTC with `Z`; fractional digits only when needed, in groups of three as Google
    /// writes them. Instants outside years 0001–9999 are written as the nearest end of that range,
    /// so that whatever is written can be read back.
    public var rfc3339: String {
        if self > Self.latest { return Self.latest.rfc3339 }
        if self < Self.earliest { return Self.earliest.rfc3339 }
        let days = Int(floorDiv(seconds, 86_400))
        let secondOfDay = Int(seconds - Int64(days) * 86_400)
        let date = CivilDate(daysSinceEpoch: days)
        var text =
            pad(date.year, 4) + "-" + pad(date.month, 2) + "-" + pad(date.day, 2) + "T"
            + pad(secondOfDay / 3600, 2) + ":" + pad(secondOfDay / 60 % 60, 2) + ":" + pad(secondOfDay % 60, 2)
        if nanos != 0 {
            var fraction = pad(Int(nanos), 9)
            while fraction.hasSuffix("000") { fraction.removeLast(3) }
            text += "." + fraction
        }
        return text + "Z"
    }

    public var description: String { rfc3339 }
}

extension Timestamp {
    /// Parses an RFC 3339 timestamp: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`.
    /// - Throws: `TimestampError` naming the text when it is not one.
    public init(rfc3339 text: String) throws(TimestampError) {
        var parser = RFC3339Parser(text)
        guard let parsed = parser.parse() else { throw TimestampError(text: text) }
        self = parsed
    }
}

/// A string that is not an RFC 3339 timestamp.
public struct TimestampError: Error, Hashable, CustomStringConvertible {
    public var text: String
    public var description: String { "not an RFC 3339 timestamp: \"\(text)\"" }
}

extension Timestamp: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            self = try Timestamp(rfc3339: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rfc3339)
    }
}

func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    a >= 0 ? a / b : (a - b + 1) / b
}

func pad(_ value: Int, _ width: Int) -> String {
    let digits = String(value)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
}
