import EntitleTestSupport
import Foundation
import MarketplaceCore
import Testing

@testable import EntitleStore

/// Lists cut into statements: powers of two for SQLite's statement cache, as few as can be for
/// PostgreSQL, where each statement is a round trip of the transaction.
@Suite(.paced) struct ListSlicingTests {
    @Test("SQLite: slices of powers of two, largest first, at most 256")
    func cachedLengths() {
        #expect(ListSlicing.cachedLengths(Array(0..<1000)).map(\.count) == [256, 256, 256, 128, 64, 32, 8])
        #expect(ListSlicing.cachedLengths(Array(0..<15)).map(\.count) == [8, 4, 2, 1])
        #expect(ListSlicing.cachedLengths([Int]()).isEmpty)
    }

    @Test("PostgreSQL: one statement up to 1,024 items, then even slices; every item once, in order")
    func fewest() {
        #expect(ListSlicing.fewest(Array(0..<15)).map(\.count) == [15])
        #expect(ListSlicing.fewest(Array(0..<1024)).map(\.count) == [1024])
        #expect(ListSlicing.fewest(Array(0..<2049)).map(\.count) == [683, 683, 683])
        #expect(ListSlicing.fewest(Array(0..<2049)).joined().elementsEqual(0..<2049))
        #expect(ListSlicing.fewest([Int]()).isEmpty)
    }

    @Test("A PostgreSQL intake plan of 15 single records: one statement per list, its writes as one")
    func planStatements() throws {
        let intakes = try (0..<15).map { index in
            let id = try EntitlementID("E-slice-\(index)")
            return try UsageIntakeGroupTests.intake(
                [UsageIntakeGroupTests.record("k\(index)", 1, id)],
                rules: UsageIntakeRules { _, _, _ in [] }
            )
        }
        var plan = UsageIntakePlan(
            intakes,
            windowLength: UsageIntakeGroupTests.hour,
            decoded: DecodedRecords<LocalEntitlement>(),
            slicing: .fewest
        )
        // The locks, the records under the keys, the cursors, the entitlements.
        guard case .read(let first) = try plan.next([]) else {
            Issue.record("no first read")
            return
        }
        #expect(first.count == 4)
        guard case .read(let totals) = try plan.next(first.map { _ in [] }) else {
            Issue.record("no read of the totals")
            return
        }
        #expect(totals.count == 1)
        guard case .writeTogether(let writes, let outcomes) = try plan.next(totals.map { _ in [] }) else {
            Issue.record("no write of distinct rows")
            return
        }
        // The records, then the totals; on PostgreSQL one statement.
        #expect(writes.count == 2)
        #expect(outcomes.count == 15)
        let together = try #require(StoreSQL.together(writes)).postgres
        #expect(together.hasPrefix("WITH w0 AS (INSERT INTO usage_record "), "\(together)")
        #expect(together.contains(") INSERT INTO usage_unsealed "))
    }

    @Test("PostgreSQL as it runs: 1,500 records in one statement a list, a column's values bound as one array")
    func planArrays() throws {
        let records = try (0..<1500).map { index in
            UsageIntakeGroupTests.record("k\(index)", 1, try EntitlementID("E-array-\(index % 50)"))
        }
        var plan = UsageIntakePlan(
            [try UsageIntakeGroupTests.intake(records, rules: UsageIntakeRules { _, _, _ in [] })],
            windowLength: UsageIntakeGroupTests.hour,
            decoded: DecodedRecords<LocalEntitlement>(),
            slicing: .arrays
        )
        guard case .read(let first) = try plan.next([]) else {
            Issue.record("no first read")
            return
        }
        // The locks, then the keys, the cursors and the entitlements as arrays.
        #expect(first.map(\.arguments.count) == [50, 2, 1, 1])
        #expect(first[1].postgres.hasSuffix("idempotency_key = ANY($2)"), "\(first[1].postgres)")
        guard case .read(let totals) = try plan.next(first.map { _ in [] }) else {
            Issue.record("no read of the totals")
            return
        }
        #expect(totals.map(\.arguments.count) == [4])
        guard case .writeTogether(let writes, _) = try plan.next(totals.map { _ in [] }) else {
            Issue.record("no write")
            return
        }
        #expect(writes.map(\.arguments.count) == [10, 7])
        #expect(writes[0].arguments[1] == .texts(records.map(\.idempotencyKey)))
        #expect(writes[0].arguments[5] == .integers(Array(repeating: 1, count: 1500)))
    }
}
