import Foundation
import MarketplaceCore

/// Sealing usage into the ledger: which entitlements have closed windows, their unsealed records,
/// and what a `UsageSealingPlan` writes for one of them.
enum UsageSealingSQL {
    /// Entitlements with records in closed windows, in id order (byte by byte in both stores, so
    /// that chunks resume `after` alike).
    static func closedEntitlements(_ sealing: UsageSealing) -> StoreSQL {
        """
        SELECT DISTINCT entitlement_id\(StoreSQL.bytewise) AS entitlement_id FROM usage_unsealed
        WHERE window_start + \(sealing.windowLength * 1_000_000) <= \(sealing.cutoff)
            AND entitlement_id\(StoreSQL.bytewise) > \(sealing.after?.rawValue ?? "")
        ORDER BY 1 LIMIT \(min(sealing.limit ?? Int(Int32.max), Int(Int32.max)))
        """
    }

    /// One entitlement's window totals to seal: those of closed windows, or all when it is final.
    static func unsealed(_ id: EntitlementID, _ sealing: UsageSealing) -> StoreSQL {
        """
        SELECT metric, labels, window_start, high_sum, low_sum FROM usage_unsealed
        WHERE entitlement_id = \(id.rawValue)
            AND (\(sealing.finals[id] != nil)
                OR window_start + \(sealing.windowLength * 1_000_000) <= \(sealing.cutoff))
        """
    }

    static func row(_ row: any StoreRow) throws -> UsageSealingPlan.Row {
        UsageSealingPlan.Row(
            metric: try row.get("metric"),
            labels: try row.get("labels"),
            windowStart: try row.get("window_start"),
            quantity: try UsageSum(row).total
        )
    }

    /// The operations, their records marked as in them, and the cursor moved on.
    static func writes(_ plan: UsageSealingPlan, _ id: EntitlementID, final: Bool, at: Timestamp) -> [StoreSQL] {
        var statements: [StoreSQL] = []
        for operation in plan.operations {
            statements.append(
                """
                INSERT INTO usage_operation (
                    id, entitlement_id, metric, labels, window_start, window_end, quantity, status, created_at,
                    updated_at
                )
                VALUES (\(operation.id), \(id.rawValue), \(operation.metric), \(operation.labels),
                    \(operation.window.start), \(operation.window.end), \(operation.quantity), 'pending', \(at), \(at))
                """
            )
            statements.append(
                """
                UPDATE usage_record SET operation_id = \(operation.id)
                WHERE operation_id IS NULL AND entitlement_id = \(id.rawValue) AND metric = \(operation.metric)
                    AND labels = \(operation.labels) AND window_start IN (\(list: operation.starts.sorted()))
                """
            )
            statements.append(
                """
                DELETE FROM usage_unsealed WHERE entitlement_id = \(id.rawValue) AND metric = \(operation.metric)
                    AND labels = \(operation.labels) AND window_start IN (\(list: operation.starts.sorted()))
                """
            )
        }
        statements.append(
            """
            INSERT INTO usage_cursor (entitlement_id, sealed_until, final)
            VALUES (\(id.rawValue), \(plan.sealedUntil), \(final))
            ON CONFLICT (entitlement_id) DO UPDATE SET
                sealed_until = \(StoreSQL.greatest)(usage_cursor.sealed_until, excluded.sealed_until),
                final = usage_cursor.final OR excluded.final
            """
        )
        return statements
    }

    /// The operations a plan wrote, as the ledger shows them.
    static func records(_ plan: UsageSealingPlan, _ id: EntitlementID, at: Timestamp) throws -> [UsageOperationRecord] {
        try plan.operations.map { operation in
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
        }
    }

    static func clearError(_ id: EntitlementID) -> StoreSQL {
        """
        UPDATE usage_cursor SET sealing_error = NULL, sealing_error_at = NULL
        WHERE entitlement_id = \(id.rawValue) AND sealing_error IS NOT NULL
        """
    }

    static func knownError(_ id: EntitlementID) -> StoreSQL {
        "SELECT sealing_error FROM usage_cursor WHERE entitlement_id = \(id.rawValue)"
    }

    /// Why the entitlement's usage could not be sealed; the first failure of an episode (none
    /// `known`) also gets an audit row.
    static func recordError(_ id: EntitlementID, _ reason: String, known: String?, at: Timestamp) -> [StoreSQL] {
        let upsert: StoreSQL = """
            INSERT INTO usage_cursor (entitlement_id, sealed_until, sealing_error, sealing_error_at)
            VALUES (\(id.rawValue), 0, \(reason), \(at))
            ON CONFLICT (entitlement_id) DO UPDATE SET sealing_error = excluded.sealing_error,
                sealing_error_at = COALESCE(usage_cursor.sealing_error_at, excluded.sealing_error_at)
            """
        guard known == nil else { return [upsert] }
        let entry = AuditEntry(
            at: at,
            kind: .usage,
            subject: "entitlements/\(id.rawValue)",
            summary: "usage sealing failed: \(reason)"
        )
        return [upsert, CommitSQL.insert(entry)]
    }

    // MARK: Resealing a cancelled entitlement

    /// Never reported, and ending after the cancellation: Google refuses these windows (it bills
    /// nothing after a cancellation), so none of them was taken.
    static func stale(_ id: EntitlementID, cancelledAt: Timestamp) -> StoreSQL {
        """
        SELECT * FROM usage_operation WHERE entitlement_id = \(id.rawValue) AND window_end > \(cancelledAt)
            AND status IN ('pending', 'unknown', 'check_failed', 'rejected')
        """
    }

    /// The operation is set aside and its records are unsealed again (back in their windows' totals).
    static func supersede(_ operation: UsageOperationRecord, at: Timestamp) -> [StoreSQL] {
        [
            "UPDATE usage_operation SET status = 'superseded', updated_at = \(at) WHERE id = \(operation.id)",
            """
            INSERT INTO usage_unsealed (entitlement_id, metric, labels, window_start, high_sum, low_sum, records)
            SELECT entitlement_id, metric, labels, window_start, \(UsageSum.columns), COUNT(*) FROM usage_record
            WHERE operation_id = \(operation.id) GROUP BY entitlement_id, metric, labels, window_start
            ON CONFLICT (entitlement_id, metric, labels, window_start) DO UPDATE SET \(UsageIntakeSQL.addExcluded)
            """,
            "UPDATE usage_record SET operation_id = NULL WHERE operation_id = \(operation.id)",
        ]
    }

    /// The operations a superseded one's records went into.
    static func successors(of operation: UsageOperationRecord) throws -> StoreSQL {
        """
        SELECT DISTINCT operation_id FROM usage_record WHERE entitlement_id = \(operation.entitlementID.rawValue)
            AND metric = \(operation.metric) AND labels = \(try StoreJSON.encode(operation.labels))
            AND window_start = \(operation.window.start)
        """
    }

    static func noteSuperseded(_ operation: UsageOperationRecord, cancelledAt: Timestamp, into: [String]) -> StoreSQL {
        let note = """
            superseded: the entitlement was cancelled at \(cancelledAt.rfc3339), inside this window; \
            its usage is in \(into.joined(separator: ", "))
            """
        return "UPDATE usage_operation SET last_error = \(note) WHERE id = \(operation.id)"
    }
}

/// Seals one entitlement under its usage lock: its unsealed records become the operations a
/// `UsageSealingPlan` makes of them.
struct SealPlan: StorePlan {
    let id: EntitlementID
    let sealing: UsageSealing
    let at: Timestamp
    private var asked = false

    init(_ id: EntitlementID, _ sealing: UsageSealing, at: Timestamp) {
        self.id = id
        self.sealing = sealing
        self.at = at
    }

    mutating func next(_ answers: [[any StoreRow]]) throws -> StorePlanStep<[UsageOperationRecord]> {
        guard asked else {
            asked = true
            return .read([StoreSQL.lock("usage:\(id.rawValue)"), UsageSealingSQL.unsealed(id, sealing)])
        }
        let plan = try UsageSealingPlan(id, rows: answers[1].map(UsageSealingSQL.row), sealing: sealing)
        return .write(
            UsageSealingSQL.writes(plan, id, final: sealing.finals[id] != nil, at: at),
            try UsageSealingSQL.records(plan, id, at: at)
        )
    }
}

/// Records why an entitlement's usage could not be sealed (`UsageSealingSQL.recordError`).
struct SealingErrorPlan: StorePlan {
    let id: EntitlementID
    let reason: String
    let at: Timestamp
    private var asked = false

    init(_ id: EntitlementID, _ reason: String, at: Timestamp) {
        self.id = id
        self.reason = reason
        self.at = at
    }

    mutating func next(_ answers: [[any StoreRow]]) throws -> StorePlanStep<Void> {
        guard asked else {
            asked = true
            return .read([UsageSealingSQL.knownError(id)])
        }
        let known = try answers[0].first?.get("sealing_error", as: String?.self) ?? nil
        return .write(UsageSealingSQL.recordError(id, reason, known: known, at: at), ())
    }
}

/// A cancellation inside a window: operations not yet reported that end after it are superseded,
/// and their records sealed again with the last window ending at the cancellation; each
/// superseded operation says where its usage went.
struct ResealPlan: StorePlan {
    let id: EntitlementID
    let cancelledAt: Timestamp
    let at: Timestamp
    private var seal: SealPlan
    private var stale: [UsageOperationRecord] = []
    private var written: [UsageOperationRecord] = []
    private var stage = 0

    init(_ id: EntitlementID, cancelledAt: Timestamp, sealing: UsageSealing, at: Timestamp) {
        self.id = id
        self.cancelledAt = cancelledAt
        self.at = at
        var final = sealing
        final.finals = [id: cancelledAt]
        seal = SealPlan(id, final, at: at)
    }

    mutating func next(_ answers: [[any StoreRow]]) throws -> StorePlanStep<[UsageOperationRecord]> {
        stage += 1
        switch stage {
        case 1:
            return .read([StoreSQL.lock("usage:\(id.rawValue)"), UsageSealingSQL.stale(id, cancelledAt: cancelledAt)])
        case 2:
            stale = try answers[1].map(UsageLedgerSQL.usageOperation)
            guard !stale.isEmpty else { return .write([], []) }
            guard case .read(let reads) = try seal.next([]) else { return .write([], []) }
            // Superseded first: their records are unsealed again before the seal reads them.
            return .read(stale.flatMap { UsageSealingSQL.supersede($0, at: at) } + reads)
        case 3:
            guard case .write(let writes, let records) = try seal.next(Array(answers.suffix(2))) else {
                return .write([], [])
            }
            written = records
            return .read(writes + (try stale.map(UsageSealingSQL.successors)))
        default:
            var notes: [StoreSQL] = []
            for (operation, rows) in zip(stale, answers.suffix(stale.count)) {
                let into = try rows.compactMap { try $0.get("operation_id", as: String?.self) }
                notes.append(UsageSealingSQL.noteSuperseded(operation, cancelledAt: cancelledAt, into: into))
            }
            return .write(notes, written)
        }
    }
}
