import EntitleTestSupport
import Foundation
import GRDB
import GRDBSQLite
import MarketplaceCore
import Testing

@testable import EntitleStore

/// Costs bounded by what is live, not by history: with a long history in the store (reported
/// operations, delivered callbacks, none of them old enough to prune), each statement the console,
/// a `/metrics` scrape and a retention pass run does work in proportion to the rows it answers
/// (at most 100 steps each, and 1,000 besides), not to the history. Work is SQLite's count of
/// virtual-machine steps, which no machine's speed or load changes; a statement that reads the
/// history takes hundreds of thousands.
@Suite(.paced) struct HistoryCostTests {
    static let history = 50_000

    @Test(
        "with 50,000 reported operations and 50,000 delivered callbacks, no periodic or console statement reads them"
    )
    func bounded() async throws {
        try await TemporaryDatabase.withPath { path in
            let store = try await SQLiteStore(path: path)
            let now = Timestamp(Date())
            try await store.seedLedger(reported: Self.history, pending: 10, now: now)
            try await store.seedDeliveredCallbacks(Self.history, now: now)
            var statements: [(String, StoreSQL)] = [
                ("the gauges", StoreCounts.sql(includingHistory: false)),
                ("the billed chart", ConsoleSQL.billed(since: now.adding(seconds: -14 * 86_400))),
                ("pending callbacks", OutboxSQL.callbacks(status: .pending, limit: 500)),
                ("failed callbacks", OutboxSQL.callbacks(status: .failed, limit: 500)),
                ("delivered callbacks", OutboxSQL.callbacks(status: .delivered, limit: 500)),
                ("the newest callbacks", OutboxSQL.callbacks(status: nil, limit: 500)),
                (
                    "an entitlement's operations",
                    UsageLedgerSQL.operations(statuses: [], entitlement: try EntitlementID("E-none"), limit: 500)
                ),
                (
                    "rejected operations",
                    UsageLedgerSQL.operations(statuses: [.rejected], entitlement: nil, limit: 1000)
                ),
            ]
            for (kind, sql) in RetentionSQL.statements(RetentionPolicy(), now: now, batch: 1000) {
                statements.append(("pruning \(kind)", sql))
            }
            for (name, sql) in statements {
                let (steps, rows) = try await Self.work(sql, in: store)
                #expect(steps < 1_000 + 100 * rows, "\(name): \(steps) steps for \(rows) rows")
            }
        }
    }

    /// Runs `sql` to its end in a transaction rolled back: SQLite's step count, and the rows answered.
    static func work(_ sql: StoreSQL, in store: SQLiteStore) async throws -> (steps: Int, rows: Int) {
        try await store.pool.writeWithoutTransaction { db in
            var work = (steps: 0, rows: 0)
            try db.inTransaction {
                let statement = try db.makeStatement(sql: sql.sqlite)
                let rows = try Row.fetchCursor(statement, arguments: sql.grdbArguments)
                while try rows.next() != nil { work.rows += 1 }
                work.steps = Int(sqlite3_stmt_status(statement.sqliteStatement, SQLITE_STMTSTATUS_VM_STEP, 0))
                return .rollback
            }
            return work
        }
    }
}
