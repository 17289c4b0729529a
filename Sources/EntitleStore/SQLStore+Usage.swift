import Foundation
public import MarketplaceCore

/// Usage: intake, the ledger, blocks, and resealing a cancelled entitlement (`UsageIntakePlan`,
/// `UsageIntakeSQL`, `UsageLedgerSQL`, `UsageSealingSQL`). Sealing itself is each store's, for
/// its savepoints (`SQLiteStore+UsageSealing`, `PostgresStore+UsageSealing`).
extension SQLStore {
    public func recordUsage(
        _ submissions: [UsageSubmission],
        app: String,
        windowLength: Int64,
        at: Timestamp,
        rules: UsageIntakeRules?
    ) async throws -> [UsageAcceptance] {
        let intake = try UsageIntake(submissions, app: app, at: at, rules: rules)
        return try await usageIntake.record(intake, windowLength: windowLength, store: self)
    }

    public func usageCursor(_ id: EntitlementID) async throws -> UsageCursor? {
        try await fetchOne(UsageLedgerSQL.cursor(id), UsageLedgerSQL.usageCursor)
    }

    public func entitlementsWithUnsealedUsage() async throws -> [EntitlementID] {
        try await fetch(UsageIntakeSQL.withUnsealedUsage) {
            try EntitlementID($0.get("entitlement_id", as: String.self))
        }
    }

    public func unsealedUsage(entitlement: EntitlementID?) async throws -> [UsageAggregate] {
        try await fetch(UsageIntakeSQL.unsealed(entitlement), UsageIntakeSQL.aggregate)
    }

    public func resealUsage(
        _ id: EntitlementID,
        cancelledAt: Timestamp,
        sealing: UsageSealing,
        at: Timestamp
    ) async throws -> [UsageOperationRecord] {
        try await write(ResealPlan(id, cancelledAt: cancelledAt, sealing: sealing, at: at))
    }

    // MARK: The ledger

    public func usageOperations(
        statuses: [UsageOperationRecord.Status],
        entitlement: EntitlementID?,
        limit: Int
    ) async throws -> [UsageOperationRecord] {
        try await fetch(
            UsageLedgerSQL.operations(statuses: statuses, entitlement: entitlement, limit: limit),
            UsageLedgerSQL.usageOperation
        )
    }

    public func usageOperations(
        statuses: [UsageOperationRecord.Status],
        entitlementsAfter after: EntitlementID?,
        entitlements: Int
    ) async throws -> [UsageOperationRecord] {
        try await fetch(
            UsageLedgerSQL.operations(statuses: statuses, after: after, entitlements: entitlements),
            UsageLedgerSQL.usageOperation
        )
    }

    public func usageOperation(id: String) async throws -> UsageOperationRecord? {
        try await fetchOne(UsageLedgerSQL.operation(id: id), UsageLedgerSQL.usageOperation)
    }

    /// One transaction for Google's answers: the shorter it takes, the rarer a crash that leaves
    /// a reported operation to be sent again. Cursors move in one order everywhere, so two
    /// replicas' updates never wait on each other's rows.
    public func updateUsageOperations(_ updates: [UsageOperationUpdate], at: Timestamp) async throws {
        guard !updates.isEmpty else { return }
        try await write(
            Steps<Void> { rows in
                guard rows.count == updates.count else {
                    return .read(updates.map { UsageLedgerSQL.update($0, at: at) })
                }
                var reported = ReportedUsage()
                for (update, changed) in zip(updates, rows) where update.status == .reported {
                    if let row = changed.first { try reported.add(row) }
                }
                return .write(reported.statements, ())
            }
        )
    }

    public func setUsageBlocked(
        _ id: EntitlementID,
        reason: String?,
        at: Timestamp,
        audit: AuditEntry,
        callback: OutboxItem?
    ) async throws -> Bool {
        try await write(
            BlockPlan(
                read: [UsageLedgerSQL.blockedReason(id)],
                reason: reason,
                set: UsageLedgerSQL.setBlocked(id, reason: reason, at: at),
                notice: CommitSQL.insert(audit, callback)
            )
        )
    }

    public func usageProblems(limit: Int) async throws -> [UsageCursor] {
        try await fetch(UsageLedgerSQL.problems(limit: limit), UsageLedgerSQL.usageCursor)
    }

    public func usageReportingBlock() async throws -> UsageReportingBlock? {
        try await fetchOne(UsageLedgerSQL.reportingBlock, UsageLedgerSQL.reportingBlock)
    }

    public func setUsageReportingBlocked(
        reason: String?,
        at: Timestamp,
        audit: AuditEntry,
        callback: OutboxItem?
    ) async throws -> Bool {
        try await write(
            BlockPlan(
                read: UsageLedgerSQL.reportingRow,
                reason: reason,
                set: UsageLedgerSQL.setReportingBlocked(reason: reason, at: at),
                notice: CommitSQL.insert(audit, callback)
            )
        )
    }

    public func rerunUsageOperations(
        statuses: [UsageOperationRecord.Status],
        entitlement: EntitlementID?,
        at: Timestamp
    ) async throws -> Int {
        guard let sql = UsageLedgerSQL.rerun(statuses: statuses, entitlement: entitlement, at: at) else { return 0 }
        return try await changed(sql)
    }
}
