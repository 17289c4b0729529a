import Foundation
import GRDB
public import MarketplaceCore

/// The usage ledger (`UsageLedgerSQL`).
extension SQLiteStore {
    public func usageOperations(
        statuses: [UsageOperationRecord.Status],
        entitlement: EntitlementID?,
        limit: Int
    ) async throws -> [UsageOperationRecord] {
        let sql = UsageLedgerSQL.operations(statuses: statuses, entitlement: entitlement, limit: limit)
        return try await pool.read { db in try db.fetch(sql).map(UsageLedgerSQL.usageOperation) }
    }

    public func usageOperations(
        statuses: [UsageOperationRecord.Status],
        entitlementsAfter after: EntitlementID?,
        entitlements: Int
    ) async throws -> [UsageOperationRecord] {
        let sql = UsageLedgerSQL.operations(statuses: statuses, after: after, entitlements: entitlements)
        return try await pool.read { db in try db.fetch(sql).map(UsageLedgerSQL.usageOperation) }
    }

    public func usageOperation(id: String) async throws -> UsageOperationRecord? {
        try await pool.read { db in try db.fetchOne(UsageLedgerSQL.operation(id: id)).map(UsageLedgerSQL.usageOperation)
        }
    }

    /// One cached statement for all the updates, then one cursor update per entitlement: this
    /// commit follows Google's answer, and the shorter it takes, the rarer a crash that leaves a
    /// reported operation to be sent again.
    public func updateUsageOperations(_ updates: [UsageOperationUpdate], at: Timestamp) async throws {
        guard !updates.isEmpty else { return }
        try await pool.write { db in
            var reported: Set<String> = []
            for update in updates {
                let changed = try db.values(UsageLedgerSQL.update(update, at: at), as: String.self)
                if update.status == .reported, let entitlement = changed.first { reported.insert(entitlement) }
            }
            for entitlement in reported.sorted() { try db.run(UsageLedgerSQL.advanceReported(entitlement)) }
        }
    }

    public func setUsageBlocked(
        _ id: EntitlementID,
        reason: String?,
        at: Timestamp,
        audit: AuditEntry,
        callback: OutboxItem?
    ) async throws -> Bool {
        try await pool.write { db in
            let current = try db.values(UsageLedgerSQL.blockedReason(id), as: String?.self).first ?? nil
            guard UsageLedgerSQL.blockChanges(from: current, to: reason) else { return false }
            try db.run(UsageLedgerSQL.setBlocked(id, reason: reason, at: at))
            for statement in CommitSQL.insert(audit, callback) { try db.run(statement) }
            return true
        }
    }

    public func usageProblems(limit: Int) async throws -> [UsageCursor] {
        try await pool.read { db in try db.fetch(UsageLedgerSQL.problems(limit: limit)).map(UsageLedgerSQL.usageCursor)
        }
    }

    public func usageReportingBlock() async throws -> UsageReportingBlock? {
        try await pool.read { db in try db.fetchOne(UsageLedgerSQL.reportingBlock).map(UsageLedgerSQL.reportingBlock) }
    }

    public func setUsageReportingBlocked(
        reason: String?,
        at: Timestamp,
        audit: AuditEntry,
        callback: OutboxItem?
    ) async throws -> Bool {
        try await pool.write { db in
            try db.run(UsageLedgerSQL.reportingRow[0])
            let current = try db.values(UsageLedgerSQL.reportingRow[1], as: String?.self).first ?? nil
            guard UsageLedgerSQL.blockChanges(from: current, to: reason) else { return false }
            try db.run(UsageLedgerSQL.setReportingBlocked(reason: reason, at: at))
            for statement in CommitSQL.insert(audit, callback) { try db.run(statement) }
            return true
        }
    }

    public func rerunUsageOperations(
        statuses: [UsageOperationRecord.Status],
        entitlement: EntitlementID?,
        at: Timestamp
    ) async throws -> Int {
        guard let sql = UsageLedgerSQL.rerun(statuses: statuses, entitlement: entitlement, at: at) else { return 0 }
        return try await pool.write { db in try db.fetch(sql).count }
    }
}
