import Entitle
import EntitleStore
import EntitleTestSupport
import Foundation
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// What `POST /v1/usage` takes and refuses: exact integers, bounded
/// quantities and window sums, resends without a time, records before the entitlement existed,
/// and every bad record of a batch named at once.
extension UsageTests {
    func raw(_ fixture: Fixture, _ json: String) async throws -> HTTPReply {
        try await fixture.usage.send("POST", "v1/usage", raw: Data(json.utf8))
    }

    func rawRecord(_ entitlement: LocalEntitlement, _ quantity: String, at time: Timestamp, key: String) -> String {
        #"{"entitlementId":"\#(entitlement.id.rawValue)","metric":"requests","quantity":\#(quantity),"time":"\#(time.rfc3339)","idempotencyKey":"\#(key)"}"#
    }

    @Test(
        "quantities are exact Int64: 2^53+1 and Int64.max are kept as sent; a record that would take its window past Int64.max is 422 at intake; 2^63 and 1.5 are 400"
    )
    func exactIntegers() async throws {
        try await withUsage(maxQuantity: Int64.max) { fixture in
            let entitlement = try await activeEntitlements(fixture, 1)[0]
            let hour = pastHour()
            let exact = try await raw(fixture, rawRecord(entitlement, "9007199254740993", at: hour, key: "exact"))
            #expect(exact.status == 202, "\(exact)")
            #expect(
                try await fixture.store.unsealedUsage(entitlement: entitlement.id).map(\.quantity) == [
                    9_007_199_254_740_993
                ]
            )
            let largest = try await raw(
                fixture,
                rawRecord(entitlement, "9223372036854775807", at: hour.adding(seconds: 3600), key: "max")
            )
            #expect(largest.status == 202, "Int64.max is a quantity: \(largest)")
            let overflow = try await raw(
                fixture,
                #"{"records":[\#(rawRecord(entitlement, "1", at: hour.adding(seconds: 10), key: "fine")),\#(rawRecord(entitlement, "1", at: hour.adding(seconds: 3700), key: "over"))]}"#
            )
            #expect(
                overflow.status == 422 && overflow.text.contains("\"over\"") && overflow.text.contains("past"),
                "\(overflow)"
            )
            #expect(!overflow.text.contains("\"fine\""), "only the overflowing record is named: \(overflow)")
            for (index, bad) in ["9223372036854775808", "1.5", "\"5\"", "null"].enumerated() {
                let reply = try await raw(fixture, rawRecord(entitlement, bad, at: hour, key: "bad-\(index)"))
                #expect(
                    reply.status == 400 && reply.text.contains("record 0: quantity is a whole number"),
                    "\(bad): \(reply)"
                )
            }
            let batch = try await raw(
                fixture,
                #"{"records":[\#(rawRecord(entitlement, "1", at: hour, key: "b1")),\#(rawRecord(entitlement, "2.5", at: hour, key: "b2"))]}"#
            )
            #expect(
                batch.status == 400 && batch.text.contains("record 1: quantity"),
                "the bad record is named by position: \(batch)"
            )
            #expect(
                try await fixture.store.unsealedUsage(entitlement: entitlement.id).map(\.quantity).sorted() == [
                    9_007_199_254_740_993, Int64.max,
                ]
            )
        }
    }

    @Test("the per-record maximum defaults to 2^53 − 1 and is a 422 naming it")
    func maximumQuantity() async throws {
        try await withUsage { fixture in
            let entitlement = try await activeEntitlements(fixture, 1)[0]
            let reply = try await raw(fixture, rawRecord(entitlement, "9007199254740992", at: pastHour(), key: "big"))
            #expect(reply.status == 422 && reply.text.contains("above the maximum of 9007199254740991"), "\(reply)")
            #expect(
                try await raw(fixture, rawRecord(entitlement, "9007199254740991", at: pastHour(), key: "ok")).status
                    == 202
            )
        }
    }

    @Test(
        "a record sent without a time and sent again unchanged is a duplicate, however much later; with a time added it is a conflict"
    )
    func resendWithoutTime() async throws {
        try await withUsage { fixture in
            let entitlement = try await activeEntitlements(fixture, 1)[0]
            var untimed = record(entitlement, "requests", 3, at: Timestamp(Date()), key: "no-time")
            untimed["time"] = nil
            let first = try await post(fixture, [untimed])
            #expect(try first.decode(Accepted.self).results.map(\.status) == ["accepted"], "\(first)")
            try await Task.sleep(for: .milliseconds(20))
            let again = try await post(fixture, [untimed])
            #expect(again.status == 202, "\(again)")
            #expect(try again.decode(Accepted.self).results.map(\.status) == ["duplicate"], "\(again)")
            let timed = try await post(
                fixture,
                [record(entitlement, "requests", 3, at: Timestamp(Date()), key: "no-time")]
            )
            #expect(timed.status == 409, "\(timed)")
            #expect(
                try await fixture.store.unsealedUsage(entitlement: entitlement.id).map(\.quantity) == [3],
                "billed once"
            )
        }
    }

    @Test(
        "usage stamped before its entitlement was created is 422; a 422 lists every bad record of the batch, unresolvable accounts included"
    )
    func everyBadRecord() async throws {
        try await withUsage { fixture in
            let entitlement = try await activeEntitlements(fixture, 1)[0]
            let created = try #require(entitlement.resource.createTime)
            var unknownAccount = record(entitlement, "requests", 1, at: pastHour(), key: "acct")
            unknownAccount["entitlementId"] = nil
            unknownAccount["accountId"] = .string("no-such-account")
            unknownAccount["product"] = .string("example-messaging-service")
            let reply = try await post(
                fixture,
                [
                    record(entitlement, "requests", 1, at: pastHour(), key: "good"),
                    unknownAccount,
                    record(entitlement, "requests", 1, at: created.adding(seconds: -60), key: "before"),
                    record(entitlement, "priority", 1, at: pastHour(), key: "metric"),
                ]
            )
            #expect(reply.status == 422, "\(reply)")
            for (key, reason) in [
                ("acct", "no single entitlement"), ("before", "before entitlement"), ("metric", "not a metric of plan"),
            ] {
                #expect(
                    reply.text.contains(#""idempotencyKey":"\#(key)""#) && reply.text.contains(reason),
                    "\(key): \(reply.text)"
                )
            }
            #expect(!reply.text.contains(#""idempotencyKey":"good""#))
            #expect(try await fixture.store.unsealedUsage(entitlement: nil).isEmpty, "nothing of the batch is kept")
        }
    }

    @Test("an administrator's pass and the scheduled pass never overlap: two at once send each operation once")
    func passesNeverOverlap() async throws {
        let slow = FaultPlan(seed: 2, rules: [.init(api: .serviceControl, latencyMilliseconds: 200)])
        try await withUsage(faults: slow, reporting: true) { fixture in
            let entitlements = try await activeEntitlements(fixture, 3)
            _ = try await post(
                fixture,
                entitlements.enumerated().map { record($1, "requests", 5, at: pastHour(), key: "k\($0)") }
            )
            // Two passes on demand while the scheduled one may be running: one reporter, one at a time.
            async let first = fixture.admin.post("api/admin/usage/report")
            async let second = fixture.admin.post("api/admin/usage/report")
            let replies = try await [first, second]
            #expect(replies.allSatisfy { $0.status == 200 }, "\(replies)")
            let billed = try await reports(fixture).records
            #expect(
                billed.count == 3 && BilledUsage.problems(billed).isEmpty,
                "each operation sent once: \(billed.map(\.operationId)) \(replies)"
            )
        }
    }
}
