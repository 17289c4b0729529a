import GRDB

extension SQLiteStore {
    public func counts() async throws -> StoreCounts {
        try await pool.read { db in
            StoreCounts(rows: try Row.fetchAll(db, sql: StoreCounts.sql).map { (group: $0["grp"], key: $0["k"], count: $0["n"]) })
        }
    }
}
