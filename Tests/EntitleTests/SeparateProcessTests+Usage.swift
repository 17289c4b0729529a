import EntitleStore
import EntitleTestSupport
import Foundation
import GRDB
import GoogleCloud
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// Usage metering with `entitle serve` as a child process killed mid-pass.
extension SeparateProcessTests {
    struct UsageView: Decodable {
        var operations: [UsageOperationRecord]
        var unsealed: [UsageAggregate]
    }

    struct UsageReports: Decodable {
        var records: [UsageRecord]
        var totals: [String: [String: Int64]]
    }

    /// Posts `records` until Entitle answers 202 (it may be down, or killed while answering).
    private func postUntilAccepted(_ usage: JSONHTTPClient, _ records: [[String: JSONValue]]) async throws -> Int {
        var attempts = 0
        let accepted = try await eventually(within: .seconds(120), every: .milliseconds(100)) {
            () async throws -> Int? in
            attempts += 1
            let body = ["records": JSONValue.array(records.map { .object($0) })]
            guard let reply = try? await usage.post("v1/usage", body) else { return nil }
            guard reply.status == 202 else { throw ChildProcessError(message: "usage refused: \(reply)") }
            return attempts
        }
        guard let accepted else { throw ChildProcessError(message: "Entitle never accepted the batch") }
        return accepted
    }

    /// Two records of 2^62 in one closed window, as an Entitle that summed through Double kept them.
    private func poison(_ path: String, _ id: EntitlementID) async throws {
        let window = (Int64(Date().timeIntervalSince1970) - 60) / 2 * 2 * 1_000_000
        try await insertOverflowingUsage(try sideDatabase(path), entitlement: id.rawValue, window: window)
    }

    /// 30% of Service Control calls answered 503, and 10% served with their answer lost.
    static func unreliableServiceControl(seed: UInt64, latencyMilliseconds: Int) -> FaultPlan {
        FaultPlan(
            seed: seed,
            rules: [
                .init(
                    api: .serviceControl,
                    errorRate: 0.3,
                    status: 503,
                    latencyMilliseconds: latencyMilliseconds,
                    lostResponseRate: 0.1
                )
            ]
        )
    }

    static func micros(_ time: Timestamp) -> Int64 { time.seconds * 1_000_000 + Int64(time.nanos / 1000) }

    /// Microseconds the emulator's clock is ahead of the wall clock (it started in the past).
    func emulatorOffset(_ running: RunningEmulator) async throws -> Int64 {
        struct Clock: Decodable { var now: Timestamp }
        let before = Self.micros(Timestamp(Date()))
        let now = Self.micros(try await running.http.get("emulator/v1/clock").decode(Clock.self).now)
        let after = Self.micros(Timestamp(Date()))
        return now - (before + after) / 2
    }

    static func onlyPoisonLeft(_ view: UsageView, _ poisoned: EntitlementID) -> Bool {
        view.unsealed.allSatisfy { $0.entitlementID == poisoned } && view.unsealed.count == 1
    }

    @Test(
        "usage crash safety: 10,000 records (repeats, late ones) posted while `entitle serve` is SIGKILLed mid-pass, 30% of Service Control calls 503 and 10% of answers lost, one entitlement's usage unsealable: for the 20 healthy ones billed sums equal accepted sums, no window billed twice, no operationId with two values, resends only after lost answers"
    )
    func usageSigkill() async throws {
        let service = "example-messaging-service.gcpmarketplace.example.com"
        let faults = Self.unreliableServiceControl(seed: 3, latencyMilliseconds: 150)
        let config: [String: Any] = [
            "usageAPIKeys": ["app": "usage-key-of-the-crash-test"],
            "usageMetrics": ["example-messaging-service": ["basic": ["requests", "storage_gib"]]],
            // Two-second windows and a pass every second, so windows close while the test runs.
            "usageWindowSeconds": 2,
            "usageReportIntervalSeconds": 1,
        ]
        // Google's clock a minute behind: records stamped up to 20 s back are after each purchase.
        let start = Date().addingTimeInterval(-60)
        try await withSetup(
            policy: "automatic",
            faults: faults,
            configFile: try JSONSerialization.data(withJSONObject: config),
            emulatorStart: start
        ) { setup in
            var setup = setup
            var run = 1
            var (child, admin) = try await serve(setup, run: run)
            for index in 0..<21 {
                _ = try await setup.running.control.buy(
                    product: "example-messaging-service",
                    plan: "basic",
                    account: "U-\(index)"
                )
            }
            var active: [LocalEntitlement] = []
            for _ in 0..<300 where active.count < 21 {
                active = try await stored(admin).values.filter { $0.state == .active }.sorted {
                    $0.id.rawValue < $1.id.rawValue
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            try #require(active.count == 21)
            let poisoned = active.removeFirst()
            try await poison(setup.storePath, poisoned.id)
            // Restarts keep the port, so the app's client finds Entitle again.
            setup.environment["ENTITLE_HTTP_PORT"] = "\(admin.baseURL.port ?? 0)"
            let usage = JSONHTTPClient(
                baseURL: admin.baseURL,
                headers: ["Authorization": "Bearer usage-key-of-the-crash-test"]
            )
            let entitlements = active
            let posted = Flag()
            let poster = Task { () -> (generator: UsageRecordGenerator, attempts: Int) in
                defer { Task { await posted.set() } }
                var generator = UsageRecordGenerator(
                    entitlements: entitlements,
                    service: service,
                    seed: 77,
                    keyPrefix: "u"
                )
                var attempts = 0
                for batch in 0..<20 {
                    let records = generator.batch(batch)
                    attempts += try await postUntilAccepted(usage, records)
                    generator.sent(records)
                    try await Task.sleep(for: .milliseconds(200))
                }
                return (generator, attempts)
            }
            var random = SeededRandom(seed: 1_206)
            var kills = 0
            var killTimes: [Timestamp] = []
            var done = false
            // Kill while records arrive and passes run, at least 10 times.
            repeat {
                // A pass takes 1–3 s here (150 ms per call, 503s retried with backoff): kills land
                // in sealing, in checks, in a report, or between passes.
                try await Task.sleep(for: .milliseconds(800 + Int(random.next() % 2_500)))
                try await child.kill()
                killTimes.append(Timestamp(Date()))
                kills += 1
                run += 1
                (child, admin) = try await serve(setup, run: run)
                done = await posted.isSet
            } while kills < 10 || (kills < 60 && !done)
            let (generator, attempts) = try await poster.value
            let accepted = generator.accepted
            // The last window closes within 2 s; the next passes seal and report it.
            var view = UsageView(operations: [], unsealed: [])
            _ = try await eventually(within: .seconds(90), every: .milliseconds(500)) {
                view = try await admin.get("api/admin/usage?limit=10000").decode(UsageView.self)
                return Self.onlyPoisonLeft(view, poisoned.id) && view.operations.allSatisfy { $0.status == .reported }
            }
            let problems = try await admin.get("api/admin/usage/problems").decode(UsageTests.Problems.self)
            #expect(try await child.stop() == 0)
            #expect(
                Self.onlyPoisonLeft(view, poisoned.id) && view.operations.allSatisfy { $0.status == .reported },
                "\(view.operations.filter { $0.status != .reported }.prefix(3)) \(view.unsealed.prefix(3))"
            )
            #expect(
                problems.entitlements.map(\.entitlementID) == [poisoned.id]
                    && problems.entitlements[0].sealingError != nil,
                "\(problems)"
            )

            let expected = generator.expectedTotals
            let billed = try await setup.running.http.get("emulator/v1/usage-reports").decode(UsageReports.self)
            #expect(
                billed.totals == expected,
                "billed sums equal accepted sums, and nothing of the poisoned entitlement"
            )
            // A kill while a report is in flight (Google still answers it, to a dead process) or
            // between the answer and the commit of its outcome resends what Google had: allowed
            // only for a send answered within a second of a kill.
            let needless = BilledUsage.needlessResends(billed.records)
            let violations = BilledUsage.problems(billed.records).filter { !needless.contains($0) }
            #expect(
                violations.isEmpty,
                "no window billed twice, no operationId with two values: \(violations.prefix(5))"
            )
            let offset = try await emulatorOffset(setup.running)
            let unexplained = BilledUsage.answeredBeforeResend(billed.records).filter { answered in
                let wall = Self.micros(answered) - offset
                return !killTimes.contains { abs(Self.micros($0) - wall) < 1_000_000 }
            }
            #expect(
                unexplained.isEmpty,
                "an answered operation was sent again without a kill within a second of its answer: \(unexplained.prefix(3))"
            )
            let (lostAnswers, resent) = BilledUsage.resendFigures(billed.records)
            let ledgerIDs = Set(view.operations.map(\.id))
            let billedIDs = Set(billed.records.map(\.operationId))
            #expect(
                ledgerIDs == billedIDs,
                "the ledger is what Google has: \(billedIDs.subtracting(ledgerIDs).count) billed not in the ledger, \(ledgerIDs.subtracting(billedIDs).count) in the ledger not billed"
            )
            print(
                "usage crash safety: \(kills) SIGKILLs, 10000 records (\(accepted.count) distinct) in \(attempts) POSTs, 1 poisoned entitlement beside 20, \(view.operations.count) operations, \(billed.records.count - resent) billed + \(resent) resent (same id and value, not counted), \(lostAnswers) answers lost, \(needless.count) resends after an answer (each within a second of a kill)"
            )
        }
    }
}
