import Foundation
import GRDB
public import MarketplaceCore

/// The usage ledger: operations and their outcomes, blocks, and what an administrator re-runs.
extension SQLiteStore {
    public func usageOperations(
        statuses: [UsageOperationRecord.Status],
        entitlement: EntitlementID?,
        limit: Int
    ) async throws -> [UsageOperationRecord] {
        let wanted = statuses.isEmpty ? UsageOperationRecord.Status.allCases : statuses
        let marks = wanted.map { _ in "?" }.joined(separator: ", ")
        return try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM usage_operation WHERE status IN (\(marks)) AND (? IS NULL OR entitlement_id = ?)
                    ORDER BY window_start, entitlement_id, metric, labels LIMIT ?
                    """,
                arguments: StatementArguments(wanted.map(\.rawValue)) + [entitlement?.rawValue, entitlement?.rawValue, limit]
            ).map(Self.usageOperation)
        }
    }

    public func usageOperations(
        statuses: [UsageOperationRecord.Status],
        entitlementsAfter after: EntitlementID?,
        entitlements: Int
    ) async throws -> [UsageOperationRecord] {
        let names = (statuses.isEmpty ? UsageOperationRecord.Status.allCases : statuses).map(\.rawValue)
        let (wanted, marks) = (StatementArguments(names), Array(repeating: "?", count: names.count).joined(separator: ", "))
        return try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM usage_operation WHERE status IN (\(marks)) AND entitlement_id IN (
                        SELECT DISTINCT entitlement_id FROM usage_operation WHERE status IN (\(marks)) AND entitlement_id > ?
                        ORDER BY entitlement_id LIMIT ?)
                    ORDER BY entitlement_id, window_start, metric, labels
                    """,
                arguments: wanted + wanted + [after?.rawValue ?? "", entitlements]
            ).map(Self.usageOperation)
        }
    }

    public func usageOperation(id: String) async throws -> UsageOperationRecord? {
        try await pool.read { db in try Row.fetchOne(db, sql: "SELECT * FROM usage_operation WHERE id = ?", arguments: [id]).map(Self.usageOperation)
        }
    }

    /// One prepared statement for all the updates, then one cursor update per entitlement: this
    /// commit follows Google's answer, and the shorter it takes, the rarer a crash that leaves a
    /// reported operation to be sent again.
    public func updateUsageOperations(_ updates: [UsageOperationUpdate], at: Timestamp) async throws {
        guard !updates.isEmpty else { return }
        try await pool.write { db in
            let statement = try db.cachedStatement(
                sql: """
                    UPDATE usage_operation SET status = ?, last_error = ?, attempts = attempts + ?, updated_at = ?,
                        reported_at = CASE WHEN ? = 'reported' THEN ? ELSE reported_at END
                    WHERE id = ? AND status NOT IN ('reported', 'superseded')
                    RETURNING entitlement_id
                    """
            )
            var reported: Set<String> = []
            for update in updates {
                let arguments: StatementArguments = [
                    update.status.rawValue, update.error, update.attempted ? 1 : 0, at.micros, update.status.rawValue, at.micros, update.id,
                ]
                let entitlement = try String.fetchOne(statement, arguments: arguments)
                if update.status == .reported, let entitlement { reported.insert(entitlement) }
            }
            for entitlement in reported {
                try db.execute(
                    sql: """
                        UPDATE usage_cursor SET reported_until = MAX(COALESCE(reported_until, 0),
                            (SELECT MAX(window_end) FROM usage_operation WHERE entitlement_id = ? AND status = 'reported'))
                        WHERE entitlement_id = ?
                        """,
                    arguments: [entitlement, entitlement]
                )
            }
        }
    }

    public func setUsageBlocked(_ id: EntitlementID, reason: String?, at: Timestamp, audit: AuditEntry, callback: OutboxItem?) async throws -> Bool {
        try await pool.write { db in
            let current =
                try String?.fetchOne(db, sql: "SELECT blocked_reason FROM usage_cursor WHERE entitlement_id = ?", arguments: [id.rawValue]) ?? nil
            guard (current == nil) != (reason == nil) else { return false }
            try db.execute(
                sql: "UPDATE usage_cursor SET blocked_reason = ?, blocked_at = ? WHERE entitlement_id = ?",
                arguments: [reason, reason == nil ? nil : at.micros, id.rawValue]
            )
            try db.run(CommitSQL.insert(audit))
            if let callback { try db.run(CommitSQL.insert(callback)) }
            return true
        }
    }

    static func usageOperation(_ row: Row) throws -> UsageOperationRecord {
        UsageOperationRecord(
            id: row["id"],
            entitlementID: try EntitlementID(row["entitlement_id"]),
            metric: row["metric"],
            labels: try decode(row["labels"]),
            window: UsageWindow(start: Timestamp(micros: row["window_start"]), end: Timestamp(micros: row["window_end"])),
            quantity: row["quantity"],
            status: UsageOperationRecord.Status(rawValue: row["status"]) ?? .pending,
            attempts: row["attempts"],
            lastError: row["last_error"],
            createdAt: Timestamp(micros: row["created_at"]),
            updatedAt: Timestamp(micros: row["updated_at"]),
            reportedAt: (row["reported_at"] as Int64?).map(Timestamp.init(micros:))
        )
    }

    static func usageCursor(_ row: Row) throws -> UsageCursor {
        UsageCursor(
            entitlementID: try EntitlementID(row["entitlement_id"]),
            sealedUntil: Timestamp(micros: row["sealed_until"]),
            reportedUntil: (row["reported_until"] as Int64?).map(Timestamp.init(micros:)),
            isFinal: row["final"] as Bool,
            blockedReason: row["blocked_reason"],
            blockedAt: (row["blocked_at"] as Int64?).map(Timestamp.init(micros:)),
            sealingError: row["sealing_error"],
            sealingErrorAt: (row["sealing_error_at"] as Int64?).map(Timestamp.init(micros:))
        )
    }

    public func usageProblems(limit: Int) async throws -> [UsageCursor] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM usage_cursor WHERE blocked_reason IS NOT NULL OR sealing_error IS NOT NULL
                    ORDER BY COALESCE(sealing_error_at, blocked_at), entitlement_id LIMIT ?
                    """,
                arguments: [limit]
            ).map(Self.usageCursor)
        }
    }

    public func usageReportingBlock() async throws -> UsageReportingBlock? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM usage_reporting WHERE id = 1 AND blocked_reason IS NOT NULL").map {
                UsageReportingBlock(reason: $0["blocked_reason"], since: Timestamp(micros: $0["blocked_at"]))
            }
        }
    }

    public func setUsageReportingBlocked(reason: String?, at: Timestamp, audit: AuditEntry, callback: OutboxItem?) async throws -> Bool {
        try await pool.write { db in
            let current = try String?.fetchOne(db, sql: "SELECT blocked_reason FROM usage_reporting WHERE id = 1") ?? nil
            guard (current == nil) != (reason == nil) else { return false }
            try db.execute(
                sql: """
                    INSERT INTO usage_reporting (id, blocked_reason, blocked_at) VALUES (1, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET blocked_reason = excluded.blocked_reason, blocked_at = excluded.blocked_at
                    """,
                arguments: [reason, reason == nil ? nil : at.micros]
            )
            try db.run(CommitSQL.insert(audit))
            if let callback { try db.run(CommitSQL.insert(callback)) }
            return true
        }
    }

    public func rerunUsageOperations(statuses: [UsageOperationRecord.Status], entitlement: EntitlementID?, at: Timestamp) async throws -> Int {
        // Never a reported one (Google has it) nor a superseded one (its usage is in another).
        let wanted = statuses.filter { $0 != .reported && $0 != .superseded && $0 != .pending }
        guard !wanted.isEmpty else { return 0 }
        let marks = wanted.map { _ in "?" }.joined(separator: ", ")
        return try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE usage_operation SET status = 'pending', last_error = NULL, updated_at = ?
                    WHERE status IN (\(marks)) AND (? IS NULL OR entitlement_id = ?)
                    """,
                arguments: [at.micros] + StatementArguments(wanted.map(\.rawValue)) + [entitlement?.rawValue, entitlement?.rawValue]
            )
            return db.changesCount
        }
    }
}
