import EntitleTestSupport
import Foundation
import MarketplaceCore
import Testing

@testable import EntitleStore

/// Lists sent to statements: powers of two for SQLite's statement cache, one statement a list with
/// arrays bound on PostgreSQL, where each statement is a round trip of the transaction.
@Suite(.paced) struct ListSlicingTests {
    @Test("SQLite: slices of powers of two, largest first, at most 256; every item once, in order")
    func cachedLengths() {
        #expect(ListSlicing.slices(Array(0..<1000)).map(\.count) == [256, 256, 256, 128, 64, 32, 8])
        #expect(ListSlicing.slices(Array(0..<1000)).joined().elementsEqual(0..<1000))
        #expect(ListSlicing.slices(Array(0..<15)).map(\.count) == [8, 4, 2, 1])
        #expect(ListSlicing.slices([Int]()).isEmpty)
    }

    @Test("Statements for a list: one a slice on SQLite, one for the whole list on PostgreSQL, none for no items")
    func statements() {
        let sliced: (ArraySlice<Int>) -> StoreSQL = { "SELECT \($0.count)" }
        let whole: ([Int]) -> StoreSQL = { "SELECT \($0.count) AS whole" }
        #expect(ListSlicing.cachedLengths.statements(Array(0..<15), sliced: sliced, whole: whole).count == 4)
        #expect(
            ListSlicing.arrays.statements(Array(0..<1500), sliced: sliced, whole: whole).map(\.arguments) == [
                [.integer(1500)]
            ]
        )
        #expect(ListSlicing.arrays.statements([Int](), sliced: sliced, whole: whole).isEmpty)
        #expect(ListSlicing.cachedLengths.statements([Int](), sliced: sliced, whole: whole).isEmpty)
    }

    @Test("A PostgreSQL intake plan of 15 single records: one statement per list, its writes as one")
    func planStatements() throws {
        var plan = try Self.plan((0..<15).map { [("k\($0)", "E-slice-\($0)")] }, slicing: .arrays)
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

    @Test("PostgreSQL: 1,500 records in one statement a list, a column's values bound as one array")
    func planArrays() throws {
        let batch = (0..<1500).map { ("k\($0)", "E-array-\($0 % 50)") }
        var plan = try Self.plan([batch], slicing: .arrays)
        guard case .read(let first) = try plan.next([]) else {
            Issue.record("no first read")
            return
        }
        // The locks, the keys, the cursors and the entitlements, each as arrays.
        #expect(first.map(\.arguments.count) == [1, 2, 1, 1])
        #expect(first[0].arguments == [.texts((0..<50).map { "usage:E-array-\($0)" }.sorted())])
        // A probe of the primary key per key, whatever the planner knows of the table.
        #expect(first[1].postgres.hasPrefix("SELECT r.* FROM unnest($1) AS k(key), LATERAL ("), "\(first[1].postgres)")
        #expect(first[1].postgres.hasSuffix("WHERE app = $2 AND idempotency_key = k.key LIMIT 1) AS r"))
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
        #expect(writes[0].arguments[1] == .texts(batch.map(\.0)))
        #expect(writes[0].arguments[5] == .integers(Array(repeating: 1, count: 1500)))
    }

    /// An intake plan of `batches`, each of records (idempotency key, entitlement) of quantity 1.
    private static func plan(_ batches: [[(String, String)]], slicing: ListSlicing) throws -> UsageIntakePlan {
        let intakes = try batches.map { batch in
            try UsageIntakeGroupTests.intake(
                try batch.map { UsageIntakeGroupTests.record($0.0, 1, try EntitlementID($0.1)) },
                rules: UsageIntakeRules { _, _, _ in [] }
            )
        }
        return UsageIntakePlan(
            intakes,
            windowLength: UsageIntakeGroupTests.hour,
            decoded: DecodedRecords<LocalEntitlement>(),
            slicing: slicing
        )
    }
}
