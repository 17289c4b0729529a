import GRDB

/// A second connection to a store's SQLite file, for a test to change what Entitle is using
/// (a trigger, an old row): it waits for Entitle's write transactions rather than failing at once
/// with "database is locked", which under load it otherwise did.
func sideDatabase(_ path: String) throws -> DatabaseQueue {
    var configuration = Configuration()
    configuration.busyMode = .timeout(10)
    return try DatabaseQueue(path: path, configuration: configuration)
}

/// Two records of 2^62 in one window of `entitlement` (microseconds), as an Entitle that summed
/// through Double kept them: their window adds up past `Int64.max`. With the window's total the
/// upgrade to maintained totals computes from such records (in halves: 2 × 2^30 high, 0 low).
func insertOverflowingUsage(_ queue: DatabaseQueue, entitlement: String, window: Int64) async throws {
    try await queue.write { db in
        for key in ["overflow-1", "overflow-2"] {
            try db.execute(
                sql: """
                    INSERT INTO usage_record (
                        app, idempotency_key, entitlement_id, metric, labels, quantity, usage_time, window_start,
                        accepted_at
                    )
                    VALUES ('app', ?, ?, 'requests', '{}', 4611686018427387904, ?, ?, ?)
                    """,
                arguments: [key, entitlement, window, window, window]
            )
        }
        try db.execute(
            sql: """
                INSERT INTO usage_unsealed (entitlement_id, metric, labels, window_start, high_sum, low_sum, records)
                VALUES (?, 'requests', '{}', ?, 2147483648, 0, 2)
                """,
            arguments: [entitlement, window]
        )
    }
}
