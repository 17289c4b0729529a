import GRDB

extension SQLiteStore {
    public func counts() async throws -> StoreCounts {
        try await pool.read { db in try StoreCounts(rows: db.fetch(StoreCounts.sql).map(StoreCounts.row)) }
    }
}
