import Foundation
import MarketplaceCore

/// The usage ledger: operations and their outcomes, cursors, blocks, and what an administrator
/// re-runs. Entitlement ids are ordered byte by byte in both stores (`StoreSQL.bytewise`).
enum UsageLedgerSQL {
    /// No status given means every status.
    static func wanted(_ statuses: [UsageOperationRecord.Status]) -> [String] {
        (statuses.isEmpty ? UsageOperationRecord.Status.allCases : statuses).map(\.rawValue)
    }

    /// One entitlement's rows, or every row: a condition left out rather than made always true, so
    /// the entitlement's index serves it (an `OR` would have both stores read every operation).
    private static func of(_ entitlement: EntitlementID?) -> StoreSQL {
        entitlement.map { "AND entitlement_id = \($0.rawValue)" } ?? ""
    }

    static func operations(
        statuses: [UsageOperationRecord.Status],
        entitlement: EntitlementID?,
        limit: Int
    ) -> StoreSQL {
        """
        SELECT * FROM usage_operation WHERE status IN (\(list: wanted(statuses)))
            \(of(entitlement))
        ORDER BY window_start, entitlement_id\(StoreSQL.bytewise), metric, labels LIMIT \(min(limit, Int(Int32.max)))
        """
    }

    /// Every operation of the next `entitlements` entitlements (by id) after `after`.
    static func operations(
        statuses: [UsageOperationRecord.Status],
        after: EntitlementID?,
        entitlements: Int
    ) -> StoreSQL {
        let wanted = wanted(statuses)
        return """
            SELECT * FROM usage_operation WHERE status IN (\(list: wanted)) AND entitlement_id IN (
                SELECT DISTINCT entitlement_id\(StoreSQL.bytewise) FROM usage_operation
                WHERE status IN (\(list: wanted))
                    AND entitlement_id\(StoreSQL.bytewise) > \(after?.rawValue ?? "")
                ORDER BY 1 LIMIT \(min(entitlements, Int(Int32.max))))
            ORDER BY entitlement_id\(StoreSQL.bytewise), window_start, metric, labels
            """
    }

    static func operation(id: String) -> StoreSQL { "SELECT * FROM usage_operation WHERE id = \(id)" }

    /// An outcome from Google; a reported or superseded operation never changes again. The row
    /// comes back (what the cursor and the billed totals need) when it changed.
    static func update(_ update: UsageOperationUpdate, at: Timestamp) -> StoreSQL {
        """
        UPDATE usage_operation SET status = \(update.status.rawValue), last_error = \(update.error),
            attempts = attempts + \(update.attempted ? 1 : 0), updated_at = \(at),
            reported_at = CASE WHEN \(update.status.rawValue) = 'reported' THEN \(at) ELSE reported_at END
        WHERE id = \(update.id) AND status NOT IN ('reported', 'superseded')
        RETURNING entitlement_id, metric, window_start, window_end, quantity
        """
    }

    /// The cursor moves to the end of the newest window just reported: every window reported
    /// before moved it in its own transaction, so the entitlement's history is never read again.
    static func advanceReported(_ entitlement: String, to windowEnd: Timestamp) -> StoreSQL {
        """
        UPDATE usage_cursor SET reported_until = \(StoreSQL.greatest)(COALESCE(reported_until, 0), \(windowEnd))
        WHERE entitlement_id = \(entitlement)
        """
    }

    /// Adds a reported quantity to its day's total, what the console's chart reads (summed as
    /// floating point: a chart needs no exact total, and an exact sum could overflow).
    static func addBilled(day: Timestamp, metric: String, quantity: Double) -> StoreSQL {
        """
        INSERT INTO usage_billed_day (day_start, metric, quantity) VALUES (\(day), \(metric), \(quantity))
        ON CONFLICT (day_start, metric) DO UPDATE SET quantity = usage_billed_day.quantity + excluded.quantity
        """
    }

    /// The totals from the ledger as it stands: what a migration fills the table with.
    static let fillBilled = """
        INSERT INTO usage_billed_day (day_start, metric, quantity)
        SELECT (window_start / 86400000000) * 86400000000, metric, SUM(CAST(quantity AS DOUBLE PRECISION))
        FROM usage_operation WHERE status = 'reported' GROUP BY (window_start / 86400000000) * 86400000000, metric
        """

    static func blockedReason(_ id: EntitlementID) -> StoreSQL {
        "SELECT blocked_reason FROM usage_cursor WHERE entitlement_id = \(id.rawValue)\(StoreSQL.forUpdate)"
    }

    static func setBlocked(_ id: EntitlementID, reason: String?, at: Timestamp) -> StoreSQL {
        """
        UPDATE usage_cursor SET blocked_reason = \(reason), blocked_at = \(reason == nil ? nil : at)
        WHERE entitlement_id = \(id.rawValue)
        """
    }

    static func problems(limit: Int) -> StoreSQL {
        """
        SELECT * FROM usage_cursor WHERE blocked_reason IS NOT NULL OR sealing_error IS NOT NULL
        ORDER BY COALESCE(sealing_error_at, blocked_at), entitlement_id\(StoreSQL.bytewise) LIMIT \(limit)
        """
    }

    static let reportingBlock: StoreSQL = "SELECT * FROM usage_reporting WHERE id = 1 AND blocked_reason IS NOT NULL"

    static func reportingBlock(_ row: any StoreRow) throws -> UsageReportingBlock {
        UsageReportingBlock(reason: try row.get("blocked_reason"), since: try row.time("blocked_at"))
    }

    /// The one row of `usage_reporting`, made if missing and locked, so that two replicas
    /// changing the block take turns.
    static let reportingRow: [StoreSQL] = [
        "INSERT INTO usage_reporting (id) VALUES (1) ON CONFLICT (id) DO NOTHING",
        "SELECT blocked_reason FROM usage_reporting WHERE id = 1\(StoreSQL.forUpdate)",
    ]

    static func setReportingBlocked(reason: String?, at: Timestamp) -> StoreSQL {
        "UPDATE usage_reporting SET blocked_reason = \(reason), blocked_at = \(reason == nil ? nil : at) WHERE id = 1"
    }

    /// Back to pending: never a reported operation (Google has it) nor a superseded one (its usage
    /// is in another). Nil when no status given can be re-run. One row back per operation.
    static func rerun(
        statuses: [UsageOperationRecord.Status],
        entitlement: EntitlementID?,
        at: Timestamp
    ) -> StoreSQL? {
        let wanted = statuses.filter { $0 != .reported && $0 != .superseded && $0 != .pending }.map(\.rawValue)
        guard !wanted.isEmpty else { return nil }
        return """
            UPDATE usage_operation SET status = 'pending', last_error = NULL, updated_at = \(at)
            WHERE status IN (\(list: wanted))
                \(of(entitlement))
            RETURNING 1
            """
    }

    static func cursor(_ id: EntitlementID) -> StoreSQL {
        "SELECT * FROM usage_cursor WHERE entitlement_id = \(id.rawValue)"
    }

    static func usageOperation(_ row: any StoreRow) throws -> UsageOperationRecord {
        UsageOperationRecord(
            id: try row.get("id"),
            entitlementID: try EntitlementID(row.get("entitlement_id", as: String.self)),
            metric: try row.get("metric"),
            labels: try row.json("labels"),
            window: UsageWindow(start: try row.time("window_start"), end: try row.time("window_end")),
            quantity: try row.get("quantity"),
            status: UsageOperationRecord.Status(rawValue: try row.get("status")) ?? .pending,
            attempts: try row.get("attempts"),
            lastError: try row.get("last_error"),
            createdAt: try row.time("created_at"),
            updatedAt: try row.time("updated_at"),
            reportedAt: try row.timeIfAny("reported_at")
        )
    }

    static func usageCursor(_ row: any StoreRow) throws -> UsageCursor {
        UsageCursor(
            entitlementID: try EntitlementID(row.get("entitlement_id", as: String.self)),
            sealedUntil: try row.time("sealed_until"),
            reportedUntil: try row.timeIfAny("reported_until"),
            isFinal: try row.get("final"),
            blockedReason: try row.get("blocked_reason"),
            blockedAt: try row.timeIfAny("blocked_at"),
            sealingError: try row.get("sealing_error"),
            sealingErrorAt: try row.timeIfAny("sealing_error_at")
        )
    }
}

/// Sets or clears a block (one entitlement's usage, or all reporting) only when that changes it,
/// with its audit entry and callback: the current reason is read (the last statement of `read`,
/// which locks the row), then written. Answers whether it changed.
struct BlockPlan: StorePlan {
    let read: [StoreSQL]
    let reason: String?
    let set: StoreSQL
    let notice: [StoreSQL]
    private var asked = false

    init(read: [StoreSQL], reason: String?, set: StoreSQL, notice: [StoreSQL]) {
        self.read = read
        self.reason = reason
        self.set = set
        self.notice = notice
    }

    mutating func next(_ answers: [[any StoreRow]]) throws -> StorePlanStep<Bool> {
        guard asked else {
            asked = true
            return .read(read)
        }
        let current = try answers.last?.first?.get("blocked_reason", as: String?.self) ?? nil
        guard (current == nil) != (reason == nil) else { return .write([], false) }
        return .write([set] + notice, true)
    }
}
