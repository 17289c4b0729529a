import EntitleTestSupport
import Foundation
import MarketplaceCore
import Testing

@testable import EntitleStore

/// Batches taken in together (`UsageIntakeQueue`, `UsageIntakePlan`): each is decided as if alone,
/// after the ones before it in the plan, and a refused one leaves nothing behind — on both stores.
@Suite(.paced) struct UsageIntakeGroupTests {
    static let hour: Int64 = 3600
    static let base = Timestamp(seconds: 1_800_000_000 - 1_800_000_000 % 3600)
    static let first = try! EntitlementID("E-group-1")
    static let second = try! EntitlementID("E-group-2")

    static func record(_ key: String, _ quantity: Int64, _ id: EntitlementID = first) -> UsageSubmission {
        UsageSubmission(
            entitlementID: id,
            metric: "requests",
            quantity: quantity,
            time: base.adding(seconds: 60),
            idempotencyKey: key,
            labels: [:]
        )
    }

    static func intake(
        _ records: [UsageSubmission],
        app: String = "a",
        rules: UsageIntakeRules? = nil
    ) throws
        -> UsageIntake
    {
        try UsageIntake(records, app: app, at: base.adding(seconds: 120), rules: rules)
    }

    /// One plan of six batches; then what the store holds.
    static func check(_ store: SQLStore) async throws {
        let refuseAll = UsageIntakeRules(judgeOnly: true) { _, _, _ in ["no"] }
        let plan = UsageIntakePlan(
            [
                try intake([record("k1", 5), record("k2", 7)]),
                // k1 as the first batch sent it: a duplicate of a record not yet committed.
                try intake([record("k1", 5), record("k3", 11, second)]),
                // k1 with another quantity: a conflict, and k4 must not be kept.
                try intake([record("k4", 13), record("k1", 6)]),
                try intake([record("k5", 17)], rules: refuseAll),
                // Past Int64.max with what the batches before it added: refused, k6 not kept.
                try intake([record("k6", 19, second), record("k7", Int64.max - 11, second)]),
                // Keys are per app.
                try intake([record("k1", 23)], app: "b"),
            ],
            windowLength: hour,
            decoded: store.decodedEntitlements,
            slicing: store.listSlicing
        )
        let outcomes = try await store.write(plan)
        let window = UsageWindow(start: base, end: base.adding(seconds: hour))
        #expect(try outcomes[0].get() == [.accepted(window: window), .accepted(window: window)])
        #expect(try outcomes[1].get() == [.duplicate(window: window), .accepted(window: window)])
        #expect(throws: UsageConflict(idempotencyKeys: ["k1"])) { try outcomes[2].get() }
        #expect(throws: UsageRefused(problems: [0: ["no"]])) { try outcomes[3].get() }
        #expect(throws: UsageOverflow.self) { try outcomes[4].get() }
        #expect(try outcomes[5].get() == [.accepted(window: window)])
        let totals = try await store.unsealedUsage(entitlement: nil).map { [$0.entitlementID.rawValue: $0.quantity] }
        #expect(totals == [[first.rawValue: 5 + 7 + 23], [second.rawValue: 11]])
        let counts = try await store.unsealedUsage(entitlement: nil).map(\.records)
        #expect(counts == [3, 1])
        // The refused batches' keys are free: sent again alone, they are new records.
        let again = try await store.recordUsage(
            [record("k4", 13), record("k6", 19, second)],
            app: "a",
            windowLength: hour,
            at: base,
            rules: nil
        )
        #expect(again == [.accepted(window: window), .accepted(window: window)])
    }

    @Test("SQLite: batches of one plan are decided in order, each whole or not at all")
    func sqlite() async throws {
        try await TemporaryDatabase.withPath { path in try await Self.check(try await SQLiteStore(path: path)) }
    }

    @Test("PostgreSQL: batches of one plan are decided in order, each whole or not at all")
    func postgres() async throws {
        try await TestPostgres.withDatabase { url in
            let store = try await PostgresStore(url: url, timeout: .seconds(60))
            do {
                try await Self.check(store)
                await store.close()
            } catch {
                await store.close()
                throw error
            }
        }
    }

    @Test("labels as kept: none is the text the encoder writes for an empty map; others are encoded, keys sorted")
    func labelsText() throws {
        #expect(try StoreJSON.labels([:]) == StoreJSON.encode([String: String]()))
        #expect(try StoreJSON.labels(["b": "2", "a": "1"]) == #"{"a":"1","b":"2"}"#)
    }

    @Test("single-record calls at once share plans; every record is kept once")
    func concurrentCalls() async throws {
        try await TemporaryDatabase.withPath { path in
            let store = try await SQLiteStore(path: path)
            let calls = 64
            try await withThrowingTaskGroup(of: [UsageAcceptance].self) { group in
                for index in 0..<calls {
                    group.addTask {
                        try await store.recordUsage(
                            [Self.record("c\(index)", Int64(index))],
                            app: "a",
                            windowLength: Self.hour,
                            at: Self.base
                        )
                    }
                }
                for try await outcome in group { #expect(outcome.count == 1) }
            }
            let totals = try await store.unsealedUsage(entitlement: nil)
            #expect(totals.map(\.quantity) == [Int64((0..<calls).reduce(0, +))])
            #expect(totals.map(\.records) == [calls])
            let plans = await store.usageIntake.plans
            #expect(plans < calls, "\(plans) plans for \(calls) calls")
        }
    }
}
