import Entitle
import EntitleStore
import EntitleTestSupport
import Foundation
import GRDB
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// What goes wrong with one entitlement stays with it: an unsealable sum,
/// a request Google refuses whole, a cancellation learned late, Google refusing Entitle itself.
extension UsageTests {
    struct Problems: Decodable {
        var reportingBlocked: UsageReportingBlock?
        var entitlements: [UsageCursor]
        var rejected: [UsageOperationRecord]
    }

    static let service = "example-messaging-service.gcpmarketplace.example.com"

    func refuse(
        _ fixture: Fixture,
        _ entitlements: [LocalEntitlement],
        code: String?,
        method: String? = nil
    ) async throws {
        for entitlement in entitlements {
            let body: [String: JSONValue] = [
                "consumerId": .string(entitlement.resource.usageReportingId ?? ""),
                "code": code.map(JSONValue.string) ?? .null,
                "method": method.map(JSONValue.string) ?? .null,
            ]
            #expect(try await fixture.running.http.post("emulator/v1/refusals", body).status == 200)
        }
    }

    func callbacks(_ fixture: Fixture, _ kind: CallbackKind) async throws -> [OutboxItem] {
        try await fixture.store.callbacks(status: nil, limit: 500).filter { $0.kind == kind }
    }

    @Test(
        "one entitlement whose unsealed usage overflows (kept by an older version) beside ten healthy ones: the ten are billed in the same pass, the one is recorded with its reason, and the admin views answer"
    )
    func poisonedEntitlement() async throws {
        try await withUsage { fixture in
            let entitlements = try await activeEntitlements(fixture, 11)
            let (poisoned, healthy) = (entitlements[0], Array(entitlements[1...]))
            let hour = pastHour()
            // Two records of 2^62 in one window: what an Entitle that summed through Double accepted.
            try await insertOverflowingUsage(
                try sideDatabase(fixture.storePath),
                entitlement: poisoned.id.rawValue,
                window: hour.seconds * 1_000_000
            )
            #expect(
                try await post(
                    fixture,
                    healthy.enumerated().map { record($1, "requests", Int64($0 + 1), at: hour, key: "h\($0)") }
                ).status == 202
            )
            let view = try await fixture.admin.get("api/admin/usage?entitlement=\(poisoned.id.rawValue)")
            #expect(
                view.status == 200 && view.text.contains(#""overflows":true"#),
                "the ledger view of the poisoned one answers: \(view)"
            )
            #expect(try await fixture.admin.get("api/admin/usage").status == 200)

            let clock = ManualClock(hour.adding(seconds: 3601))
            let summary = try await fixture.reporter(clock).pass()
            #expect(summary.sealed == 10 && summary.sealingFailures == 1 && summary.reported == 10, "\(summary)")
            let billed = try await reports(fixture)
            for (index, entitlement) in healthy.enumerated() {
                #expect(
                    billed.totals[entitlement.resource.usageReportingId ?? ""]?["\(Self.service)/requests"]
                        == Int64(index + 1)
                )
            }
            #expect(billed.totals[poisoned.resource.usageReportingId ?? ""] == nil)
            let problems = try await fixture.admin.get("api/admin/usage/problems").decode(Problems.self)
            let recorded = try #require(problems.entitlements.first { $0.entitlementID == poisoned.id })
            #expect(recorded.sealingError?.contains("more than 9223372036854775807") == true, "\(recorded)")
            #expect(problems.entitlements.count == 1)

            let again = try await fixture.reporter(clock).pass()
            #expect(again.sealingFailures == 1 && again.reportRequests == 0, "\(again)")
            let audit = try await fixture.store.auditLog(subject: "entitlements/\(poisoned.id.rawValue)", limit: 20)
                .filter { $0.kind == .usage }
            #expect(audit.count == 1, "one audit row per episode: \(audit.map(\.summary))")
        }
    }

    @Test(
        "a report request Google refuses whole for one operation's content is split until that operation is alone: the others are billed in the same pass; a bulk re-run (CLI) sends the refused one again"
    )
    func refusedRequestIsolated() async throws {
        try await withUsage(reporting: true) { fixture in
            let entitlements = try await activeEntitlements(fixture, 10)
            let bad = entitlements[3]
            try await refuse(fixture, [bad], code: "INVALID_ARGUMENT", method: "report")
            _ = try await post(
                fixture,
                entitlements.enumerated().map { record($1, "requests", 7, at: pastHour(), key: "k\($0)") }
            )
            let summary = try await fixture.reporter(ManualClock(Timestamp(Date()))).pass()
            #expect(summary.reported == 9 && summary.rejected == 1 && summary.reportRequests > 1, "\(summary)")
            let rejected = try await fixture.store.usageOperations(statuses: [.rejected], entitlement: nil, limit: 10)
            #expect(
                rejected.map(\.entitlementID) == [bad.id]
                    && rejected[0].lastError?.contains("INVALID_ARGUMENT") == true,
                "\(rejected)"
            )

            #expect(try await fixture.admin.post("api/admin/usage/rerun?status=reported").status == 400)
            try await refuse(fixture, [bad], code: nil)
            let cli = try await ChildProcess.run(
                try ChildProcess.builtExecutable("entitle"),
                arguments: [
                    "usage", "rerun", "--all", "--status", "rejected", "--url", fixture.admin.baseURL.absoluteString,
                    "--token", Self.adminToken,
                ]
            )
            #expect(cli.status == 0 && cli.output.contains(#""rerun":1"#), "\(cli)")
            #expect(try await fixture.reporter(ManualClock(Timestamp(Date()))).pass().reported == 1)
            let billed = try await reports(fixture)
            #expect(
                billed.totals.values.compactMap { $0["\(Self.service)/requests"] } == Array(repeating: 7, count: 10)
            )
            #expect(BilledUsage.problems(billed.records).isEmpty)
        }
    }

    @Test(
        "401/403 from Service Control block reporting as a whole with one usage.reporting_blocked callback and reject nothing; reporting resumes when Google accepts Entitle again"
    )
    func accessDenied() async throws {
        try await withUsage { fixture in
            let entitlements = try await activeEntitlements(fixture, 2)
            let hour = pastHour()
            _ = try await post(
                fixture,
                entitlements.enumerated().map { record($1, "requests", 4, at: hour, key: "k\($0)") }
            )
            let clock = ManualClock(hour.adding(seconds: 3601))
            try await refuse(fixture, entitlements, code: "PERMISSION_DENIED")
            for _ in 0..<2 {
                let blocked = try await fixture.reporter(clock).pass()
                #expect(blocked.accessDenied && blocked.rejected == 0 && blocked.reported == 0, "\(blocked)")
            }
            let operations = try await fixture.store.usageOperations(statuses: [], entitlement: nil, limit: 10)
            #expect(
                operations.count == 2 && operations.allSatisfy { $0.status == .pending },
                "nothing rejected: \(operations.map(\.status))"
            )
            #expect(try await callbacks(fixture, .usageReportingBlocked).count == 1, "one callback per episode")
            let problems = try await fixture.admin.get("api/admin/usage/problems").decode(Problems.self)
            #expect(problems.reportingBlocked?.reason.contains("PERMISSION_DENIED") == true, "\(problems)")

            // Authentication refused on report only (a key rotated between the calls).
            try await refuse(fixture, entitlements, code: "UNAUTHENTICATED", method: "report")
            let unauthenticated = try await fixture.reporter(clock).pass()
            #expect(
                unauthenticated.accessDenied && unauthenticated.rejected == 0 && unauthenticated.reported == 0,
                "\(unauthenticated)"
            )

            try await refuse(fixture, entitlements, code: nil)
            let resumed = try await fixture.reporter(clock).pass()
            #expect(resumed.reported == 2 && !resumed.accessDenied, "\(resumed)")
            #expect(try await fixture.store.usageReportingBlock() == nil)
            #expect(try await callbacks(fixture, .usageReportingBlocked).count == 1)
            #expect(BilledUsage.problems(try await reports(fixture).records).isEmpty)
        }
    }

    @Test(
        "a pass a chunk of entitlements at a time: all billed across chunks; when Google refuses Entitle itself in one chunk, the pass ends there and a later chunk's passing check does not lift the block"
    )
    func chunkedPass() async throws {
        try await withUsage { fixture in
            let entitlements = try await activeEntitlements(fixture, 5).sorted { $0.id.rawValue < $1.id.rawValue }
            let hour = pastHour()
            _ = try await post(
                fixture,
                entitlements.enumerated().map { record($1, "requests", 3, at: hour, key: "c\($0)") }
            )
            let clock = ManualClock(hour.adding(seconds: 3601))
            // The first chunk's entitlement is refused as Entitle itself would be; the others pass.
            try await refuse(fixture, [entitlements[0]], code: "PERMISSION_DENIED")
            let blocked = try await fixture.reporter(clock, chunkSize: 2).pass()
            // The first chunk's other entitlement passed its check and was billed; the two later
            // chunks were not sent at all.
            #expect(blocked.sealed == 5 && blocked.accessDenied && blocked.reported == 1, "\(blocked)")
            #expect(try await fixture.store.usageReportingBlock() != nil, "still blocked after the pass")
            let pending = try await fixture.store.usageOperations(statuses: [.pending], entitlement: nil, limit: 10)
            let unsent: Set<EntitlementID> = [
                entitlements[0].id, entitlements[2].id, entitlements[3].id, entitlements[4].id,
            ]
            #expect(Set(pending.map(\.entitlementID)) == unsent, "\(pending.map(\.entitlementID))")

            try await refuse(fixture, [entitlements[0]], code: nil)
            let resumed = try await fixture.reporter(clock, chunkSize: 2).pass()
            #expect(
                resumed.reported == 4 && !resumed.accessDenied && resumed.checks == 4,
                "the other four, over two chunks: \(resumed)"
            )
            #expect(try await fixture.store.usageReportingBlock() == nil)
            #expect(BilledUsage.problems(try await reports(fixture).records).isEmpty)
        }
    }

    @Test(
        "usage accepted before a cancellation Entitle learns of only after its window was sealed: the check is refused, the entitlement re-read, the window sealed again up to the cancellation and billed; nothing left pending, unknown or check_failed"
    )
    func lateLearnedCancellation() async throws {
        try await withUsage { fixture in
            let entitlement = try await activeEntitlements(fixture, 1)[0]
            let created = try #require(entitlement.resource.createTime)
            #expect(
                try await post(fixture, [record(entitlement, "requests", 21, at: created, key: "before")]).status == 202
            )
            // Entitle hears nothing from Pub/Sub meanwhile (a restart, a deploy, lag).
            let silence = FaultPlan(seed: 1, rules: [.init(api: .pubsub, errorRate: 1, status: 503)])
            try await fixture.running.control.setFaults(silence)
            // A pull already waiting when the faults were set (up to pullWait, 200 ms) would still
            // hand over the cancellation: let those end first, so that Entitle cannot learn of it.
            try await Task.sleep(for: .seconds(1))
            try await fixture.running.control.cancel(entitlement.id.rawValue, immediately: true)
            #expect(try await fixture.store.entitlement(entitlement.id)?.state == .active, "Entitle does not know yet")

            // Pub/Sub is given back whatever happens below: a pull loop left failing slows the teardown.
            do {
                let window = UsageWindow.containing(created, length: 3600)
                let clock = ManualClock(window.end.adding(seconds: 1))
                let summary = try await fixture.reporter(clock).pass()
                #expect(summary.reported == 1 && summary.resealed == 1 && summary.checkFailures == 0, "\(summary)")
                #expect(
                    try await fixture.store.entitlement(entitlement.id)?.state == .cancelled,
                    "learned from the re-read"
                )
                let ledger = try await fixture.store.usageOperations(
                    statuses: [],
                    entitlement: entitlement.id,
                    limit: 10
                )
                #expect(
                    ledger.map(\.status).sorted { $0.rawValue < $1.rawValue } == [.reported, .superseded],
                    "\(ledger)"
                )
                let reported = try #require(ledger.first { $0.status == .reported })
                let stored = try #require(try await fixture.store.entitlement(entitlement.id))
                let cancelled = try #require(UsageValidation.cancellationTime(stored))
                #expect(
                    reported.window == UsageWindow(start: window.start, end: cancelled) && reported.quantity == 21,
                    "\(reported)"
                )
                let billed = try await reports(fixture)
                #expect(billed.totals[entitlement.resource.usageReportingId ?? ""]?["\(Self.service)/requests"] == 21)
                #expect(BilledUsage.problems(billed.records).isEmpty)
                #expect(try await callbacks(fixture, .usageCheckFailed).isEmpty, "no misleading usage.check_failed")
                #expect(try await callbacks(fixture, .cancelled).count == 1, "the vendor hears of the cancellation")
                #expect(try await fixture.reporter(clock).pass().reportRequests == 0)
                let superseded = try #require(ledger.first { $0.status == .superseded })
                #expect(try await fixture.admin.post("api/admin/usage/operations/\(superseded.id)/rerun").status == 409)
            } catch {
                try? await fixture.running.control.setFaults(FaultPlan())
                throw error
            }
            try await fixture.running.control.setFaults(FaultPlan())
        }
    }
}
