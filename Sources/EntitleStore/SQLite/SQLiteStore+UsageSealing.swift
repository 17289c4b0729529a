import Foundation
import GRDB
public import MarketplaceCore

/// Sealing usage into the ledger. One transaction per pass (one fsync), one savepoint per
/// entitlement: whatever fails for one entitlement (an overflowing sum, a constraint) is rolled
/// back for it alone and recorded on its cursor, and every other entitlement is sealed.
extension SQLiteStore {
    public func sealUsage(_ sealing: UsageSealing, at: Timestamp) async throws -> UsageSealingResult {
        let length = sealing.windowLength * 1_000_000
        return try await pool.write { db in
            let closed = try String.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT entitlement_id FROM usage_record WHERE operation_id IS NULL AND window_start + ? <= ?
                        AND entitlement_id > ? ORDER BY entitlement_id LIMIT ?
                    """,
                arguments: [length, sealing.cutoff.micros, sealing.after?.rawValue ?? "", sealing.limit ?? -1]
            )
            var result = UsageSealingResult()
            let ids = sealing.chunk(try closed.map { try EntitlementID($0) }, next: &result.next)
            for id in ids {
                do {
                    try db.inSavepoint {
                        result.operations += try Self.seal(id, sealing, at: at, db)
                        try Self.recordSealingError(id, nil, at: at, db)
                        return .commit
                    }
                } catch {
                    let reason = "\(error)"
                    result.failures[id] = reason
                    try Self.recordSealingError(id, reason, at: at, db)
                }
            }
            return result
        }
    }

    public func resealUsage(_ id: EntitlementID, cancelledAt: Timestamp, sealing: UsageSealing, at: Timestamp) async throws -> [UsageOperationRecord]
    {
        try await pool.write { db in
            // Never reported, and ending after the cancellation: Google refuses these windows (it
            // bills nothing after a cancellation), so none of them was taken.
            let stale = try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM usage_operation WHERE entitlement_id = ? AND window_end > ?
                        AND status IN ('pending', 'unknown', 'check_failed', 'rejected')
                    """,
                arguments: [id.rawValue, cancelledAt.micros]
            ).map(Self.usageOperation)
            guard !stale.isEmpty else { return [] }
            for operation in stale {
                try db.execute(
                    sql: "UPDATE usage_operation SET status = 'superseded', updated_at = ? WHERE id = ?",
                    arguments: [at.micros, operation.id]
                )
                try db.execute(sql: "UPDATE usage_record SET operation_id = NULL WHERE operation_id = ?", arguments: [operation.id])
            }
            var final = sealing
            final.finals = [id: cancelledAt]
            let written = try Self.seal(id, final, at: at, db)
            for operation in stale {
                let into = try String.fetchAll(
                    db,
                    sql: "SELECT DISTINCT operation_id FROM usage_record WHERE entitlement_id = ? AND metric = ? AND labels = ? AND window_start = ?",
                    arguments: [id.rawValue, operation.metric, try Self.encode(operation.labels), operation.window.start.micros]
                )
                try db.execute(
                    sql: "UPDATE usage_operation SET last_error = ? WHERE id = ?",
                    arguments: [
                        "superseded: the entitlement was cancelled at \(cancelledAt.rfc3339), inside this window; its usage is in \(into.joined(separator: ", "))",
                        operation.id,
                    ]
                )
            }
            return written
        }
    }

    /// Seals one entitlement: its closed windows, or all its usage when it is final (the last
    /// window ending at the cancellation). Sums are checked: an overflow fails this entitlement.
    static func seal(_ id: EntitlementID, _ sealing: UsageSealing, at: Timestamp, _ db: Database) throws -> [UsageOperationRecord] {
        let length = sealing.windowLength * 1_000_000
        let final = sealing.finals[id] != nil
        // Cached statements: a pass runs these once per entitlement (and per operation).
        let rows = try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT metric, labels, window_start, quantity FROM usage_record
                    WHERE operation_id IS NULL AND entitlement_id = ? AND (? OR window_start + ? <= ?)
                    """
            ),
            arguments: [id.rawValue, final, length, sealing.cutoff.micros]
        ).map { UsageSealingPlan.Row(metric: $0["metric"], labels: $0["labels"], windowStart: $0["window_start"], quantity: $0["quantity"]) }
        let plan = try UsageSealingPlan(id, rows: rows, sealing: sealing)
        var written: [UsageOperationRecord] = []
        for operation in plan.operations {
            try db.cachedStatement(
                sql: """
                    INSERT INTO usage_operation (id, entitlement_id, metric, labels, window_start, window_end, quantity, status, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)
                    """
            ).execute(
                arguments: [
                    operation.id, id.rawValue, operation.metric, operation.labels, operation.window.start.micros, operation.window.end.micros,
                    operation.quantity, at.micros, at.micros,
                ]
            )
            for start in operation.starts {
                try db.cachedStatement(
                    sql: """
                        UPDATE usage_record SET operation_id = ?
                        WHERE operation_id IS NULL AND entitlement_id = ? AND metric = ? AND labels = ? AND window_start = ?
                        """
                ).execute(
                    arguments: [operation.id, id.rawValue, operation.metric, operation.labels, start]
                )
            }
            written.append(
                UsageOperationRecord(
                    id: operation.id,
                    entitlementID: id,
                    metric: operation.metric,
                    labels: try decode(operation.labels),
                    window: operation.window,
                    quantity: operation.quantity,
                    status: .pending,
                    createdAt: at,
                    updatedAt: at
                )
            )
        }
        try db.execute(
            sql: """
                INSERT INTO usage_cursor (entitlement_id, sealed_until, final) VALUES (?, ?, ?)
                ON CONFLICT (entitlement_id) DO UPDATE SET sealed_until = MAX(sealed_until, excluded.sealed_until), final = MAX(final, excluded.final)
                """,
            arguments: [id.rawValue, plan.sealedUntil, final ? 1 : 0]
        )
        return written
    }

    /// Records (or with nil, clears) why an entitlement's usage could not be sealed; the first
    /// failure of an episode gets an audit row.
    static func recordSealingError(_ id: EntitlementID, _ reason: String?, at: Timestamp, _ db: Database) throws {
        guard let reason else {
            try db.cachedStatement(
                sql: "UPDATE usage_cursor SET sealing_error = NULL, sealing_error_at = NULL WHERE entitlement_id = ? AND sealing_error IS NOT NULL"
            ).execute(arguments: [id.rawValue])
            return
        }
        let known = try String?.fetchOne(db, sql: "SELECT sealing_error FROM usage_cursor WHERE entitlement_id = ?", arguments: [id.rawValue]) ?? nil
        try db.execute(
            sql: """
                INSERT INTO usage_cursor (entitlement_id, sealed_until, sealing_error, sealing_error_at) VALUES (?, 0, ?, ?)
                ON CONFLICT (entitlement_id) DO UPDATE SET sealing_error = excluded.sealing_error,
                    sealing_error_at = COALESCE(usage_cursor.sealing_error_at, excluded.sealing_error_at)
                """,
            arguments: [id.rawValue, reason, at.micros]
        )
        if known == nil {
            let subject = "entitlements/\(id.rawValue)"
            try db.run(CommitSQL.insert(AuditEntry(at: at, kind: .usage, subject: subject, summary: "usage sealing failed: \(reason)")))
        }
    }
}
