import Foundation
public import MarketplaceCore
import PostgresNIO

/// Sealing usage into the ledger: entitlements a hundred to a transaction, each in a savepoint
/// under its usage lock, so one that cannot be sealed is rolled back alone and recorded, and intake
/// waits for at most one batch.
extension PostgresStore {
    static let sealingBatch = 100

    public func sealUsage(_ sealing: UsageSealing, at: Timestamp) async throws -> UsageSealingResult {
        let length = sealing.windowLength * 1_000_000
        let closed = try await read { connection in
            try await rows(
                """
                SELECT DISTINCT entitlement_id COLLATE "C" AS entitlement_id FROM usage_record
                WHERE operation_id IS NULL AND window_start + \(length) <= \(sealing.cutoff.micros)
                    AND entitlement_id COLLATE "C" > \(sealing.after?.rawValue ?? "")
                ORDER BY 1 LIMIT \(min(sealing.limit ?? Int(Int32.max), Int(Int32.max)))
                """,
                on: connection
            ).map { try EntitlementID($0.get("entitlement_id", as: String.self)) }
        }
        var result = UsageSealingResult()
        // The same chunking as SQLite's (byte order: COLLATE "C").
        let ids = sealing.chunk(closed, next: &result.next)
        for start in stride(from: 0, to: ids.count, by: Self.sealingBatch) {
            let batch = Array(ids[start..<min(start + Self.sealingBatch, ids.count)])
            let sealed = try await write { connection in
                var sealed = UsageSealingResult()
                for id in batch {
                    try await execute("SAVEPOINT entitlement", on: connection)
                    do {
                        try await lock("usage:\(id.rawValue)", on: connection)
                        sealed.operations += try await seal(id, sealing, at: at, on: connection)
                        try await recordSealingError(id, nil, at: at, on: connection)
                        try await execute("RELEASE SAVEPOINT entitlement", on: connection)
                    } catch {
                        try await execute("ROLLBACK TO SAVEPOINT entitlement", on: connection)
                        sealed.failures[id] = "\(error)"
                        try await recordSealingError(id, "\(error)", at: at, on: connection)
                    }
                }
                return sealed
            }
            result.operations += sealed.operations
            result.failures.merge(sealed.failures) { $1 }
        }
        return result
    }

    public func resealUsage(_ id: EntitlementID, cancelledAt: Timestamp, sealing: UsageSealing, at: Timestamp) async throws -> [UsageOperationRecord]
    {
        try await write { connection in
            try await lock("usage:\(id.rawValue)", on: connection)
            // Never reported, and ending after the cancellation: Google refuses these windows.
            let stale = try await rows(
                """
                SELECT * FROM usage_operation WHERE entitlement_id = \(id.rawValue) AND window_end > \(cancelledAt.micros)
                    AND status IN ('pending', 'unknown', 'check_failed', 'rejected')
                """,
                on: connection
            ).map(Self.usageOperation)
            guard !stale.isEmpty else { return [] }
            for operation in stale {
                try await execute(
                    "UPDATE usage_operation SET status = 'superseded', updated_at = \(at.micros) WHERE id = \(operation.id)",
                    on: connection
                )
                try await execute("UPDATE usage_record SET operation_id = NULL WHERE operation_id = \(operation.id)", on: connection)
            }
            var final = sealing
            final.finals = [id: cancelledAt]
            let written = try await seal(id, final, at: at, on: connection)
            for operation in stale {
                let into = try await rows(
                    """
                    SELECT DISTINCT operation_id FROM usage_record WHERE entitlement_id = \(id.rawValue) AND metric = \(operation.metric)
                        AND labels = \(try StoreJSON.encode(operation.labels)) AND window_start = \(operation.window.start.micros)
                    """,
                    on: connection
                ).compactMap { try $0.get("operation_id", as: String?.self) }
                let note =
                    "superseded: the entitlement was cancelled at \(cancelledAt.rfc3339), inside this window; its usage is in \(into.joined(separator: ", "))"
                try await execute("UPDATE usage_operation SET last_error = \(note) WHERE id = \(operation.id)", on: connection)
            }
            return written
        }
    }

    /// Seals one entitlement (see `UsageSealingPlan`).
    func seal(_ id: EntitlementID, _ sealing: UsageSealing, at: Timestamp, on connection: PostgresConnection) async throws -> [UsageOperationRecord] {
        let length = sealing.windowLength * 1_000_000
        let final = sealing.finals[id] != nil
        let rows = try await rows(
            """
            SELECT metric, labels, window_start, quantity FROM usage_record
            WHERE operation_id IS NULL AND entitlement_id = \(id.rawValue) AND (\(final) OR window_start + \(length) <= \(sealing.cutoff.micros))
            """,
            on: connection
        ).map {
            UsageSealingPlan.Row(
                metric: try $0.get("metric"),
                labels: try $0.get("labels"),
                windowStart: try $0.get("window_start"),
                quantity: try $0.get("quantity")
            )
        }
        let plan = try UsageSealingPlan(id, rows: rows, sealing: sealing)
        var written: [UsageOperationRecord] = []
        for operation in plan.operations {
            try await execute(
                """
                INSERT INTO usage_operation (id, entitlement_id, metric, labels, window_start, window_end, quantity, status, created_at, updated_at)
                VALUES (\(operation.id), \(id.rawValue), \(operation.metric), \(operation.labels), \(operation.window.start.micros),
                    \(operation.window.end.micros), \(operation.quantity), 'pending', \(at.micros), \(at.micros))
                """,
                on: connection
            )
            try await execute(
                """
                UPDATE usage_record SET operation_id = \(operation.id)
                WHERE operation_id IS NULL AND entitlement_id = \(id.rawValue) AND metric = \(operation.metric) AND labels = \(operation.labels)
                    AND window_start = ANY(\(Array(operation.starts)))
                """,
                on: connection
            )
            written.append(
                UsageOperationRecord(
                    id: operation.id,
                    entitlementID: id,
                    metric: operation.metric,
                    labels: try StoreJSON.decode(operation.labels),
                    window: operation.window,
                    quantity: operation.quantity,
                    status: .pending,
                    createdAt: at,
                    updatedAt: at
                )
            )
        }
        try await execute(
            """
            INSERT INTO usage_cursor (entitlement_id, sealed_until, final) VALUES (\(id.rawValue), \(plan.sealedUntil), \(final))
            ON CONFLICT (entitlement_id) DO UPDATE SET sealed_until = GREATEST(usage_cursor.sealed_until, excluded.sealed_until),
                final = usage_cursor.final OR excluded.final
            """,
            on: connection
        )
        return written
    }

    /// Records (or with nil, clears) why an entitlement's usage could not be sealed; the first
    /// failure of an episode gets an audit row.
    func recordSealingError(_ id: EntitlementID, _ reason: String?, at: Timestamp, on connection: PostgresConnection) async throws {
        guard let reason else {
            try await execute(
                "UPDATE usage_cursor SET sealing_error = NULL, sealing_error_at = NULL WHERE entitlement_id = \(id.rawValue) AND sealing_error IS NOT NULL",
                on: connection
            )
            return
        }
        let known = try await rows("SELECT sealing_error FROM usage_cursor WHERE entitlement_id = \(id.rawValue)", on: connection).first.flatMap {
            try $0.get("sealing_error", as: String?.self)
        }
        try await execute(
            """
            INSERT INTO usage_cursor (entitlement_id, sealed_until, sealing_error, sealing_error_at) VALUES (\(id.rawValue), 0, \(reason), \(at.micros))
            ON CONFLICT (entitlement_id) DO UPDATE SET sealing_error = excluded.sealing_error,
                sealing_error_at = COALESCE(usage_cursor.sealing_error_at, excluded.sealing_error_at)
            """,
            on: connection
        )
        if known == nil {
            let subject = "entitlements/\(id.rawValue)"
            let entry = AuditEntry(at: at, kind: .usage, subject: subject, summary: "usage sealing failed: \(reason)")
            try await run(CommitSQL.insert(entry), on: connection)
        }
    }
}
