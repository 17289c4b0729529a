import Foundation
import MarketplaceCore
import Testing

@Suite struct TimeTests {
    private func ts(_ text: String) throws -> Timestamp { try Timestamp(rfc3339: text) }

    private func duration(_ text: String) throws -> ISO8601Duration { try ISO8601Duration(parsing: text) }

    // MARK: Tests

    @Test(
        "RFC 3339 forms parse to the exact instant",
        arguments: [
            ("1970-01-01T00:00:00Z", 0, 0),
            ("2019-02-06T12:00:00Z", 1_549_454_400, 0),
            ("2019-02-06T13:00:00+01:00", 1_549_454_400, 0),
            ("2019-02-06t12:00:00z", 1_549_454_400, 0),
            ("2019-02-06T12:00:00.5Z", 1_549_454_400, 500_000_000),
            ("2019-02-06T12:00:00.123456789Z", 1_549_454_400, 123_456_789),
            ("2019-02-06T12:00:00.1234567891Z", 1_549_454_400, 123_456_789),
            ("2024-02-29T23:59:59-00:30", 1_709_251_199 + 1800, 0),
            ("1969-12-31T23:59:59Z", -1, 0),
        ] as [(String, Int64, Int32)]
    )
    func parses(text: String, seconds: Int64, nanos: Int32) throws {
        #expect(try ts(text) == Timestamp(seconds: seconds, nanos: nanos))
    }

    @Test(
        "non-RFC 3339 text is rejected",
        arguments: [
            "", "2019-02-06", "2019-02-06T12:00:00", "2019-02-30T00:00:00Z", "2023-02-29T00:00:00Z",
            "2019-2-06T12:00:00Z", "2019-02-06T24:00:00Z", "2019-02-06T12:00:00.Z", "2019-02-06T12:00:00Zjunk",
            "<RFC3339>", "2019-02-06T12:00:00+0100",
        ]
    )
    func rejects(text: String) {
        #expect(throws: TimestampError.self) { try ts(text) }
    }

    @Test(
        "timestamps format as Google writes them and round-trip",
        arguments: [
            "2019-02-06T12:00:00Z", "2019-02-06T12:00:00.500Z", "2019-02-06T12:00:00.123456Z",
            "2019-02-06T12:00:00.123456789Z", "1900-03-01T00:00:00Z", "2400-02-29T23:59:59Z",
        ]
    )
    func formats(text: String) throws {
        #expect(try ts(text).rfc3339 == text)
    }

    @Test("instants beyond year 9999 (far time travel) write as the last RFC 3339 instant, and read back")
    func outOfRange() throws {
        let far = Timestamp(seconds: 253_402_300_800 + 86_400 * 400)
        #expect(far.rfc3339 == "9999-12-31T23:59:59.999999999Z")
        #expect(try ts(far.rfc3339) == Timestamp.latest)
        #expect(Timestamp(seconds: -62_135_596_801).rfc3339 == "0001-01-01T00:00:00Z")
    }

    @Test("nanosecond arithmetic carries across seconds in both directions")
    func nanosecondArithmetic() {
        let start = Timestamp(seconds: 10, nanos: 900_000_000)
        #expect(start.adding(nanoseconds: 200_000_000) == Timestamp(seconds: 11, nanos: 100_000_000))
        #expect(start.adding(nanoseconds: -950_000_000) == Timestamp(seconds: 9, nanos: 950_000_000))
        #expect(start.adding(nanoseconds: 2_500_000_000) == Timestamp(seconds: 13, nanos: 400_000_000))
    }

    @Test("timestamps order exactly, below a microsecond")
    func ordering() throws {
        #expect(try ts("2024-01-01T00:00:00.000000001Z") > ts("2024-01-01T00:00:00Z"))
        #expect(try ts("2024-01-01T01:00:00+01:00") == ts("2024-01-01T00:00:00Z"))
    }

    @Test("Date conversion keeps microseconds")
    func dateConversion() throws {
        let timestamp = try ts("2024-05-06T07:08:09.123456Z")
        #expect(Timestamp(timestamp.date) == timestamp)
    }

    @Test(
        "durations parse and print canonically",
        arguments: [
            ("P1Y6M", "P1Y6M"), ("P2Y", "P2Y"), ("P30D", "P30D"), ("PT1H", "PT1H"), ("P1W", "P1W"),
            ("P1DT12H30M5S", "P1DT12H30M5S"), ("P0D", "PT0S"), ("PT0S", "PT0S"), ("P01M", "P1M"),
        ]
    )
    func durations(text: String, canonical: String) throws {
        #expect(try duration(text).description == canonical)
    }

    @Test(
        "malformed durations are rejected with a reason",
        arguments: [
            "", "P", "1Y", "PT", "P1H", "PT1D", "P1M1Y", "P1.5Y", "P-1D", "P1YT", "P1Y2", "PT1H1H", "P1DTT1H", "p1y",
        ]
    )
    func badDurations(text: String) {
        #expect(throws: ISO8601DurationError.self) { try duration(text) }
    }

    @Test(
        "adding a duration follows the calendar: month ends and leap years",
        arguments: [
            ("2024-01-31T10:00:00Z", "P1M", "2024-02-29T10:00:00Z"),
            ("2023-01-31T10:00:00Z", "P1M", "2023-02-28T10:00:00Z"),
            ("2024-02-29T00:00:00Z", "P1Y", "2025-02-28T00:00:00Z"),
            ("2024-02-29T00:00:00Z", "P4Y", "2028-02-29T00:00:00Z"),
            ("2023-08-31T00:00:00Z", "P1Y6M", "2025-02-28T00:00:00Z"),
            ("2024-03-31T00:00:00Z", "P1M", "2024-04-30T00:00:00Z"),
            ("2024-12-15T00:00:00Z", "P1M", "2025-01-15T00:00:00Z"),
            ("2024-02-28T00:00:00Z", "P30D", "2024-03-29T00:00:00Z"),
            ("2023-02-28T00:00:00Z", "P1D", "2023-03-01T00:00:00Z"),
            ("2024-12-31T23:30:00Z", "PT1H", "2025-01-01T00:30:00Z"),
            ("2024-01-01T00:00:00.250Z", "P1W", "2024-01-08T00:00:00.250Z"),
            ("2099-12-31T00:00:00Z", "P2Y", "2101-12-31T00:00:00Z"),
            ("2100-02-28T00:00:00Z", "P1D", "2100-03-01T00:00:00Z"),
        ]
    )
    func addition(start: String, term: String, end: String) throws {
        #expect(try duration(term).added(to: ts(start)) == ts(end))
    }
}
