import EntitleTestSupport
import Foundation
import NIOCore
import Testing

@testable import Entitle

/// The usage answer written by hand is byte for byte what `JSONEncoder` (sorted keys) writes, for
/// keys an app may send: every control character, quotes, backslashes, slashes, any Unicode.
@Suite(.paced) struct UsageAcceptedBodyTests {
    @Test("the hand-written 202 body equals JSONEncoder's, escapes included")
    func sameAsEncoder() throws {
        let controls = (0..<0x20).map { String(UnicodeScalar(UInt8($0))) }.joined()
        let keys = [
            "", "k-1", controls, #"a"b\c/d"#, "\u{7F}é日本🧾\u{2028}\u{2029}", "</script>",
            String(repeating: "x", count: 300),
        ]
        let results = keys.enumerated().map { index, key in
            UsageAPIController.Result(
                idempotencyKey: key,
                status: index.isMultiple(of: 2) ? "accepted" : "duplicate",
                windowStart: "2026-12-06T10:00:00Z",
                windowEnd: "2026-12-06T11:00:00Z"
            )
        }
        for batch in [[], Array(results.prefix(1)), results] {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let expected = try encoder.encode(UsageAPIController.Accepted(results: batch))
            let written = UsageAcceptedBody.bytes(batch)
            #expect(Data(written.readableBytesView) == expected, "\(String(buffer: written))")
        }
    }
}
