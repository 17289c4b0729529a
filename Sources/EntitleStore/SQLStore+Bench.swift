public import MarketplaceCore

/// Rows for `entitle bench`, written straight into the tables by the database itself (a million
/// rows in seconds, where the API would take an hour). The server never calls these.
extension SQLStore {
    /// `rows` reported operations of a usage ledger, one per hour on each of 1,000 entitlements,
    /// the newest in the hour before `now` (10 million reach back 416 days: what a long-running
    /// store holds), and `pending` standing ones for the last hour besides.
    public func seedLedger(reported rows: Int, pending: Int, now: Timestamp) async throws {
        for chunk in BenchSQL.chunks(of: rows) {
            try await execute(BenchSQL.ledger(chunk, of: rows, status: "reported", prefix: "bench-reported", now: now))
        }
        for chunk in BenchSQL.chunks(of: pending) {
            try await execute(BenchSQL.ledger(chunk, of: 0, status: "pending", prefix: "bench-pending", now: now))
        }
        // The days' billed totals, as reporting would have kept them.
        try await execute("DELETE FROM usage_billed_day", StoreSQL(stringLiteral: UsageLedgerSQL.fillBilled))
    }

    /// `count` delivered callbacks, one a minute up to `now` (a million reach back 694 days).
    public func seedDeliveredCallbacks(_ count: Int, now: Timestamp) async throws {
        for chunk in BenchSQL.chunks(of: count) {
            try await execute(BenchSQL.deliveredCallbacks(chunk, of: count, now: now))
        }
    }

    /// How many usage records the store holds: what a bench compares with the records it was told
    /// were accepted.
    public func usageRecordCount() async throws -> Int {
        try await fetchOne("SELECT COUNT(*) AS n FROM usage_record") { try $0.get("n", as: Int.self) } ?? 0
    }
}

enum BenchSQL {
    /// A statement each quarter-million rows (none for none: a count always has its first number):
    /// one statement for millions grows a WAL the size of the rows, and every page it writes is
    /// looked up in it again.
    static func chunks(of rows: Int) -> [Range<Int>] {
        stride(from: 0, to: rows, by: 250_000).map { $0..<min(rows, $0 + 250_000) }
    }

    private static let hour: Int64 = 3_600_000_000

    /// `n(i)`: the numbers of `range`, counted by the database.
    private static func count(_ range: Range<Int>) -> StoreSQL {
        """
        WITH RECURSIVE n(i) AS (
            SELECT \(range.lowerBound) UNION ALL SELECT i + 1 FROM n WHERE i + 1 < \(range.upperBound)
        )
        """
    }

    /// Rows `range` of `total`: row i is entitlement i % 1,000 in the window (total - i) / 1,000 + 1
    /// hours before `now`'s hour, reported a minute after it ended. A recursive count both stores
    /// run, so the rows are made inside the database.
    static func ledger(_ range: Range<Int>, of total: Int, status: String, prefix: String, now: Timestamp) -> StoreSQL {
        let thisHour = now.micros / hour * hour
        return """
            \(count(range)),
            w(i, start) AS (SELECT i, \(thisHour) - (CAST((\(total) - i) / 1000 AS BIGINT) + 1) * \(hour) FROM n)
            INSERT INTO usage_operation (id, entitlement_id, metric, labels, window_start, window_end, quantity, status,
                attempts, created_at, updated_at, reported_at)
            SELECT \(prefix) || '-' || CAST(i AS TEXT), \(prefix) || '-E-' || CAST(i % 1000 AS TEXT), 'requests', '{}',
                start, start + \(hour), 1 + i % 7, \(status), 1, start + \(hour), start + \(hour) + 60000000,
                CASE WHEN \(status) = 'reported' THEN start + \(hour) + 60000000 END
            FROM w
            """
    }

    /// Callbacks `range` of `total`, delivered; callback i was made (total - i) minutes before `now`.
    static func deliveredCallbacks(_ range: Range<Int>, of total: Int, now: Timestamp) -> StoreSQL {
        let minute: Int64 = 60_000_000
        return """
            \(count(range)),
            c(i, at) AS (SELECT i, \(now.micros) - CAST(\(total) - i AS BIGINT) * \(minute) FROM n)
            INSERT INTO outbox (id, kind, account_id, entitlement_id, subject, body, created_at, queued_at, attempts,
                next_attempt_at, status, delivered_at)
            SELECT 'bench-callback-' || CAST(i AS TEXT), 'entitlement.activated', NULL,
                'bench-callback-E-' || CAST(i % 1000 AS TEXT),
                'entitlements/bench-callback-E-' || CAST(i % 1000 AS TEXT),
                '{}', at, at, 1, at, 'delivered', at + 1000000
            FROM c
            """
    }
}
