/// An ISO 8601 duration as Marketplace writes offer terms: `P1Y6M`, `P2Y`, `P30D`, `PT1H`, `P1W`.
///
/// Calendar parts (years, months, weeks, days) and clock parts (hours, minutes, seconds) are kept
/// apart, because `P1M` is not a fixed number of seconds: adding it to Jan 31 gives Feb 28 (or 29).
public struct ISO8601Duration: Hashable, Sendable, CustomStringConvertible {
    public var years: Int
    public var months: Int
    public var weeks: Int
    public var days: Int
    public var hours: Int
    public var minutes: Int
    public var seconds: Int

    /// The largest number one component may have.
    public static let maximumComponent = 1_000_000

    public init(
        years: Int = 0,
        months: Int = 0,
        weeks: Int = 0,
        days: Int = 0,
        hours: Int = 0,
        minutes: Int = 0,
        seconds: Int = 0
    ) {
        self.years = years
        self.months = months
        self.weeks = weeks
        self.days = days
        self.hours = hours
        self.minutes = minutes
        self.seconds = seconds
    }

    /// The canonical form: components in order, zero ones left out, `PT0S` for nothing.
    public var description: String {
        var text = "P"
        for (value, unit) in [(years, "Y"), (months, "M"), (weeks, "W"), (days, "D")] where value != 0 {
            text += "\(value)\(unit)"
        }
        let clock = [(hours, "H"), (minutes, "M"), (seconds, "S")].filter { $0.0 != 0 }
        if !clock.isEmpty {
            text += "T" + clock.map { "\($0.0)\($0.1)" }.joined()
        }
        return text == "P" ? "PT0S" : text
    }

    /// `timestamp` moved forward by this duration: first years and months together (clamping the
    /// day to the month's end), then weeks and days, then the clock parts.
    public func added(to timestamp: Timestamp) -> Timestamp {
        let secondsPerDay: Int64 = 86_400
        let dayNumber = floorDiv(timestamp.seconds, secondsPerDay)
        let secondOfDay = timestamp.seconds - dayNumber * secondsPerDay
        let date = CivilDate(daysSinceEpoch: Int(dayNumber)).addingMonths(years * 12 + months)
        let newDay = Int64(date.daysSinceEpoch + weeks * 7 + days)
        let clock = Int64(hours) * 3600 + Int64(minutes) * 60 + Int64(seconds)
        return Timestamp(seconds: newDay * secondsPerDay + secondOfDay + clock, nanos: timestamp.nanos)
    }
}

extension ISO8601Duration {
    /// Parses `PnYnMnWnDTnHnMnS` (any subset, in order; at least one part; `T` only before clock parts).
    /// - Throws: `ISO8601DurationError` naming the text and what is wrong with it.
    public init(parsing text: String) throws(ISO8601DurationError) {
        var rest = Substring(text)
        guard rest.first == "P" else { throw ISO8601DurationError(text: text, reason: "must start with P") }
        rest = rest.dropFirst()
        guard !rest.isEmpty else { throw ISO8601DurationError(text: text, reason: "has no components") }
        self.init()
        var inClock = false
        var lastRank = -1
        while !rest.isEmpty {
            if rest.first == "T" {
                guard !inClock else { throw ISO8601DurationError(text: text, reason: "has a second T") }
                inClock = true
                rest = rest.dropFirst()
                guard !rest.isEmpty else { throw ISO8601DurationError(text: text, reason: "ends after T") }
                continue
            }
            let number = rest.prefix { $0.isASCII && $0.isNumber }
            guard !number.isEmpty, let value = Int(number) else {
                throw ISO8601DurationError(text: text, reason: "expects a whole number before each unit")
            }
            // Past any offer or any clock (and far below what would overflow calendar arithmetic).
            guard value <= Self.maximumComponent else {
                throw ISO8601DurationError(text: text, reason: "has a component above \(Self.maximumComponent)")
            }
            rest = rest.dropFirst(number.count)
            guard let unit = rest.first else { throw ISO8601DurationError(text: text, reason: "ends without a unit") }
            rest = rest.dropFirst()
            let rank: Int
            switch (inClock, unit) {
            case (false, "Y"):
                rank = 0
                years = value
            case (false, "M"):
                rank = 1
                months = value
            case (false, "W"):
                rank = 2
                weeks = value
            case (false, "D"):
                rank = 3
                days = value
            case (true, "H"):
                rank = 4
                hours = value
            case (true, "M"):
                rank = 5
                minutes = value
            case (true, "S"):
                rank = 6
                seconds = value
            default: throw ISO8601DurationError(text: text, reason: "has an unexpected unit \"\(unit)\"")
            }
            guard rank > lastRank else { throw ISO8601DurationError(text: text, reason: "has units out of order") }
            lastRank = rank
        }
    }
}

/// Text that is not an ISO 8601 duration.
public struct ISO8601DurationError: Error, Hashable, CustomStringConvertible {
    public var text: String
    public var reason: String
    public var description: String { "not an ISO 8601 duration: \"\(text)\" \(reason)" }
}

extension ISO8601Duration: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        do {
            self = try ISO8601Duration(parsing: try container.decode(String.self))
        } catch let error as ISO8601DurationError {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
