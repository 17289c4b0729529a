import Entitle
import EntitleTestSupport
import Foundation
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// The vendor's own usage labels beside Marketplace's reserved ones: within Google's label syntax
/// they reach Service Control as `userLabels`; outside it the record is refused with the reason.
extension UsageTests {
    @Test("usage labels: the vendor's own and the reserved ones reach Service Control; a bad label is a 422")
    func labels() async throws {
        try await withUsage { fixture in
            let entitlement = try await activeEntitlements(fixture, 1)[0]
            let hour = pastHour()
            let own: [String: JSONValue] = [
                "cloudmarketplace.googleapis.com/resource_name": "db-1", "team": "payments", "env": "",
                "région": "île-de-france", "cost_centre-2": "cc-42",
            ]
            var labelled = record(entitlement, "requests", 9, at: hour.adding(seconds: 60), key: "labelled")
            labelled["labels"] = .object(own)
            let accepted = try await post(fixture, [labelled])
            #expect(accepted.status == 202, "\(accepted)")

            let bad: [(String, [String: JSONValue], String)] = [
                ("uppercase key", ["Team": "x"], "label Team: a key is"),
                ("digit first", ["2fa": "x"], "label 2fa: a key is"),
                ("google's prefix", ["goog-billing": "x"], "keys starting with goog"),
                ("unknown reserved key", ["cloudmarketplace.googleapis.com/zone": "x"], "are Marketplace's"),
                (
                    "empty reserved value", ["cloudmarketplace.googleapis.com/container_name": ""],
                    "value must be 1–63"
                ),
                ("value too long", ["team": .string(String(repeating: "a", count: 64))], "value must be 0–63"),
                ("uppercase value", ["team": "Payments"], "value must be 0–63"),
                (
                    "65 labels",
                    Dictionary(uniqueKeysWithValues: (0..<65).map { ("k\($0)", JSONValue.string("v")) }),
                    "at most 64 labels"
                ),
            ]
            for (index, (name, labels, phrase)) in bad.enumerated() {
                var refused = record(entitlement, "requests", 1, at: hour.adding(seconds: 120), key: "bad-\(index)")
                refused["labels"] = .object(labels)
                let reply = try await post(fixture, [refused])
                #expect(reply.status == 422 && reply.text.contains(phrase), "\(name): \(reply)")
            }

            let clock = ManualClock(hour.adding(seconds: 2 * 3600 + 1))
            let summary = try await fixture.reporter(clock).pass()
            #expect(summary.reported == 1 && summary.rejected == 0, "only the labelled record: \(summary)")
            let billed = try await reports(fixture)
            let sent = try #require(billed.records.first, "\(billed.records)")
            #expect(billed.records.count == 1 && sent.value == 9)
            #expect(sent.userLabels == own.mapValues { if case .string(let text) = $0 { text } else { "?" } })
        }
    }
}
