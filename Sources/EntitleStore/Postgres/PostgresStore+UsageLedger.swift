import Foundation
public import MarketplaceCore
import PostgresNIO

/// The usage ledger: operations and their outcomes, blocks, and what an administrator re-runs.
extension PostgresStore {
    public func usageOperations(
        statuses: [UsageOperationRecord.Status],
        entitlement: EntitlementID?,
        limit: Int
    ) async throws -> [UsageOperationRecord] {
        let wanted = (statuses.isEmpty ? UsageOperationRecord.Status.allCases : statuses).map(\.rawValue)
        return try await read { connection in
            try await rows(
                """
                SELECT * FROM usage_operation WHERE status = ANY(\(wanted))
                    AND (\(entitlement?.rawValue)::TEXT IS NULL OR entitlement_id = \(entitlement?.rawValue))
                ORDER BY window_start, entitlement_id, metric, labels LIMIT \(min(limit, Int(Int32.max)))
                """,
                on: connection
            ).map(Self.usageOperation)
        }
    }

    public func usageOperations(
        statuses: [UsageOperationRecord.Status],
        entitlementsAfter after: EntitlementID?,
        entitlements: Int
    ) async throws -> [UsageOperationRecord] {
        let wanted = (statuses.isEmpty ? UsageOperationRecord.Status.allCases : statuses).map(\.rawValue)
        return try await read { connection in
            try await rows(
                """
                SELECT * FROM usage_operation WHERE status = ANY(\(wanted)) AND entitlement_id IN (
                    SELECT DISTINCT entitlement_id COLLATE "C" FROM usage_operation WHERE status = ANY(\(wanted))
                        AND entitlement_id COLLATE "C" > \(after?.rawValue ?? "")
                    ORDER BY 1 LIMIT \(min(entitlements, Int(Int32.max))))
                ORDER BY entitlement_id COLLATE "C", window_start, metric, labels
                """,
                on: connection
            ).map(Self.usageOperation)
        }
    }

    public func usageOperation(id: String) async throws -> UsageOperationRecord? {
        try await read { try await rows("SELECT * FROM usage_operation WHERE id = \(id)", on: $0).first.map(Self.usageOperation) }
    }

    public func updateUsageOperations(_ updates: [UsageOperationUpdate], at: Timestamp) async throws {
        guard !updates.isEmpty else { return }
        try await write { connection in
            var reported: Set<String> = []
            for update in updates {
                let changed = try await rows(
                    """
                    UPDATE usage_operation SET status = \(update.status.rawValue), last_error = \(update.error),
                        attempts = attempts + \(update.attempted ? 1 : 0), updated_at = \(at.micros),
                        reported_at = CASE WHEN \(update.status.rawValue) = 'reported' THEN \(at.micros) ELSE reported_at END
                    WHERE id = \(update.id) AND status NOT IN ('reported', 'superseded')
                    RETURNING entitlement_id
                    """,
                    on: connection
                )
                if update.status == .reported, let row = changed.first { reported.insert(try row.get("entitlement_id")) }
            }
            for entitlement in reported.sorted() {
                try await execute(
                    """
                    UPDATE usage_cursor SET reported_until = GREATEST(COALESCE(reported_until, 0),
                        (SELECT MAX(window_end) FROM usage_operation WHERE entitlement_id = \(entitlement) AND status = 'reported'))
                    WHERE entitlement_id = \(entitlement)
                    """,
                    on: connection
                )
            }
        }
    }

    public func setUsageBlocked(_ id: EntitlementID, reason: String?, at: Timestamp, audit: AuditEntry, callback: OutboxItem?) async throws -> Bool {
        try await write { connection in
            let current = try await rows("SELECT blocked_reason FROM usage_cursor WHERE entitlement_id = \(id.rawValue) FOR UPDATE", on: connection)
                .first.flatMap { try $0.get("blocked_reason", as: String?.self) }
            guard (current == nil) != (reason == nil) else { return false }
            try await execute(
                "UPDATE usage_cursor SET blocked_reason = \(reason), blocked_at = \(reason == nil ? nil : at.micros) WHERE entitlement_id = \(id.rawValue)",
                on: connection
            )
            try await run(CommitSQL.insert(audit), on: connection)
            if let callback { try await run(CommitSQL.insert(callback), on: connection) }
            return true
        }
    }

    public func usageProblems(limit: Int) async throws -> [UsageCursor] {
        try await read { connection in
            try await rows(
                """
                SELECT * FROM usage_cursor WHERE blocked_reason IS NOT NULL OR sealing_error IS NOT NULL
                ORDER BY COALESCE(sealing_error_at, blocked_at), entitlement_id LIMIT \(limit)
                """,
                on: connection
            ).map(Self.usageCursor)
        }
    }

    public func usageReportingBlock() async throws -> UsageReportingBlock? {
        try await read { connection in
            try await rows("SELECT * FROM usage_reporting WHERE id = 1 AND blocked_reason IS NOT NULL", on: connection).first.map {
                UsageReportingBlock(reason: try $0.get("blocked_reason"), since: Timestamp(micros: try $0.get("blocked_at")))
            }
        }
    }

    public func setUsageReportingBlocked(reason: String?, at: Timestamp, audit: AuditEntry, callback: OutboxItem?) async throws -> Bool {
        try await write { connection in
            try await execute("INSERT INTO usage_reporting (id) VALUES (1) ON CONFLICT (id) DO NOTHING", on: connection)
            let current = try await rows("SELECT blocked_reason FROM usage_reporting WHERE id = 1 FOR UPDATE", on: connection).first.flatMap {
                try $0.get("blocked_reason", as: String?.self)
            }
            guard (current == nil) != (reason == nil) else { return false }
            try await execute(
                "UPDATE usage_reporting SET blocked_reason = \(reason), blocked_at = \(reason == nil ? nil : at.micros) WHERE id = 1",
                on: connection
            )
            try await run(CommitSQL.insert(audit), on: connection)
            if let callback { try await run(CommitSQL.insert(callback), on: connection) }
            return true
        }
    }

    public func rerunUsageOperations(statuses: [UsageOperationRecord.Status], entitlement: EntitlementID?, at: Timestamp) async throws -> Int {
        // Never a reported one (Google has it) nor a superseded one (its usage is in another).
        let wanted = statuses.filter { $0 != .reported && $0 != .superseded && $0 != .pending }.map(\.rawValue)
        guard !wanted.isEmpty else { return 0 }
        return try await write { connection in
            try await changed(
                """
                UPDATE usage_operation SET status = 'pending', last_error = NULL, updated_at = \(at.micros)
                WHERE status = ANY(\(wanted)) AND (\(entitlement?.rawValue)::TEXT IS NULL OR entitlement_id = \(entitlement?.rawValue))
                RETURNING 1
                """,
                on: connection
            )
        }
    }

    static func usageOperation(_ row: PGRow) throws -> UsageOperationRecord {
        UsageOperationRecord(
            id: try row.get("id"),
            entitlementID: try EntitlementID(row.get("entitlement_id", as: String.self)),
            metric: try row.get("metric"),
            labels: try StoreJSON.decode(row.get("labels")),
            window: UsageWindow(start: Timestamp(micros: try row.get("window_start")), end: Timestamp(micros: try row.get("window_end"))),
            quantity: try row.get("quantity"),
            status: UsageOperationRecord.Status(rawValue: try row.get("status")) ?? .pending,
            attempts: Int(try row.get("attempts", as: Int32.self)),
            lastError: try row.get("last_error"),
            createdAt: Timestamp(micros: try row.get("created_at")),
            updatedAt: Timestamp(micros: try row.get("updated_at")),
            reportedAt: (try row.get("reported_at", as: Int64?.self)).map(Timestamp.init(micros:))
        )
    }

    static func usageCursor(_ row: PGRow) throws -> UsageCursor {
        UsageCursor(
            entitlementID: try EntitlementID(row.get("entitlement_id", as: String.self)),
            sealedUntil: Timestamp(micros: try row.get("sealed_until")),
            reportedUntil: (try row.get("reported_until", as: Int64?.self)).map(Timestamp.init(micros:)),
            isFinal: try row.get("final"),
            blockedReason: try row.get("blocked_reason"),
            blockedAt: (try row.get("blocked_at", as: Int64?.self)).map(Timestamp.init(micros:)),
            sealingError: try row.get("sealing_error"),
            sealingErrorAt: (try row.get("sealing_error_at", as: Int64?.self)).map(Timestamp.init(micros:))
        )
    }
}
