import MarketplaceCore

/// Rows for `entitle bench`, written straight into the tables in one statement each (a million
/// rows in seconds, where the API would take an hour). The server never calls these.
extension SQLStore {
    /// `rows` operations of a reported usage ledger (`reported`, on 1,000 entitlements, one per
    /// window) and `pending` standing ones besides: what a long-running store's history looks like.
    public func seedLedger(reported rows: Int, pending: Int) async throws {
        try await execute(BenchSQL.ledger(rows: rows, status: "reported", prefix: "bench-reported"))
        try await execute(BenchSQL.ledger(rows: pending, status: "pending", prefix: "bench-pending"))
    }

    /// How many usage records the store holds: what a bench compares with the records it was told
    /// were accepted.
    public func usageRecordCount() async throws -> Int {
        try await fetchOne("SELECT COUNT(*) AS n FROM usage_record") { try $0.get("n", as: Int.self) } ?? 0
    }
}

enum BenchSQL {
    /// A recursive count both stores run, so the rows are made inside the database.
    static func ledger(rows: Int, status: String, prefix: String) -> StoreSQL {
        """
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < \(rows))
        INSERT INTO usage_operation (id, entitlement_id, metric, labels, window_start, window_end, quantity, status,
            attempts, created_at, updated_at, reported_at)
        SELECT \(prefix) || '-' || CAST(i AS TEXT), \(prefix) || '-E-' || CAST(i % 1000 AS TEXT), 'requests', '{}',
            CAST(i AS BIGINT) * 3600000000, CAST(i AS BIGINT) * 3600000000 + 3600000000, 1, \(status), 1, 0, 0, 0
        FROM n
        """
    }
}
