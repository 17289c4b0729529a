import Foundation
public import MarketplaceCore
import PostgresNIO

/// The usage ledger (`UsageLedgerSQL`); blocks are changed under a row lock, one replica at a time.
extension PostgresStore {
    public func usageOperations(
        statuses: [UsageOperationRecord.Status],
        entitlement: EntitlementID?,
        limit: Int
    ) async throws -> [UsageOperationRecord] {
        let sql = UsageLedgerSQL.operations(statuses: statuses, entitlement: entitlement, limit: limit)
        return try await read { try await fetch(sql, on: $0).map(UsageLedgerSQL.usageOperation) }
    }

    public func usageOperations(
        statuses: [UsageOperationRecord.Status],
        entitlementsAfter after: EntitlementID?,
        entitlements: Int
    ) async throws -> [UsageOperationRecord] {
        let sql = UsageLedgerSQL.operations(statuses: statuses, after: after, entitlements: entitlements)
        return try await read { try await fetch(sql, on: $0).map(UsageLedgerSQL.usageOperation) }
    }

    public func usageOperation(id: String) async throws -> UsageOperationRecord? {
        try await read {
            try await fetchOne(UsageLedgerSQL.operation(id: id), on: $0).map(UsageLedgerSQL.usageOperation)
        }
    }

    public func updateUsageOperations(_ updates: [UsageOperationUpdate], at: Timestamp) async throws {
        guard !updates.isEmpty else { return }
        try await write { connection in
            var reported: Set<String> = []
            for update in updates {
                let changed = try await values(UsageLedgerSQL.update(update, at: at), as: String.self, on: connection)
                if update.status == .reported, let entitlement = changed.first { reported.insert(entitlement) }
            }
            // In one order everywhere, so two replicas' updates never wait on each other's rows.
            for entitlement in reported.sorted() {
                try await run(UsageLedgerSQL.advanceReported(entitlement), on: connection)
            }
        }
    }

    public func setUsageBlocked(
        _ id: EntitlementID,
        reason: String?,
        at: Timestamp,
        audit: AuditEntry,
        callback: OutboxItem?
    ) async throws -> Bool {
        try await write { connection in
            let current =
                try await values(UsageLedgerSQL.blockedReason(id), as: String?.self, on: connection).first ?? nil
            guard UsageLedgerSQL.blockChanges(from: current, to: reason) else { return false }
            try await run(UsageLedgerSQL.setBlocked(id, reason: reason, at: at), on: connection)
            for statement in CommitSQL.insert(audit, callback) { try await run(statement, on: connection) }
            return true
        }
    }

    public func usageProblems(limit: Int) async throws -> [UsageCursor] {
        try await read {
            try await fetch(UsageLedgerSQL.problems(limit: limit), on: $0).map(UsageLedgerSQL.usageCursor)
        }
    }

    public func usageReportingBlock() async throws -> UsageReportingBlock? {
        try await read { try await fetchOne(UsageLedgerSQL.reportingBlock, on: $0).map(UsageLedgerSQL.reportingBlock) }
    }

    public func setUsageReportingBlocked(
        reason: String?,
        at: Timestamp,
        audit: AuditEntry,
        callback: OutboxItem?
    ) async throws -> Bool {
        try await write { connection in
            try await run(UsageLedgerSQL.reportingRow[0], on: connection)
            let current =
                try await values(UsageLedgerSQL.reportingRow[1], as: String?.self, on: connection).first ?? nil
            guard UsageLedgerSQL.blockChanges(from: current, to: reason) else { return false }
            try await run(UsageLedgerSQL.setReportingBlocked(reason: reason, at: at), on: connection)
            for statement in CommitSQL.insert(audit, callback) { try await run(statement, on: connection) }
            return true
        }
    }

    public func rerunUsageOperations(
        statuses: [UsageOperationRecord.Status],
        entitlement: EntitlementID?,
        at: Timestamp
    ) async throws -> Int {
        guard let sql = UsageLedgerSQL.rerun(statuses: statuses, entitlement: entitlement, at: at) else { return 0 }
        return try await write { try await fetch(sql, on: $0).count }
    }
}
