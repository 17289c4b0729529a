import Foundation
public import MarketplaceCore

/// What the notifications wrote, and what they could not: records, the audit log, poison
/// messages, failed deliveries and dead letters (`RecordSQL`, `DeadLetterSQL`).
extension SQLStore {
    public func isProcessed(eventID: String) async throws -> Bool {
        try await fetchOne(RecordSQL.isProcessed(eventID)) { _ in true } ?? false
    }

    public func entitlement(_ id: EntitlementID) async throws -> LocalEntitlement? {
        try await fetchOne(RecordSQL.entitlement(id), RecordSQL.record)
    }

    public func account(_ id: AccountID) async throws -> LocalAccount? {
        try await fetchOne(RecordSQL.account(id), RecordSQL.account)
    }

    /// In one statement: the event, its entitlement, and that entitlement's account (or the
    /// account named) as they stood together.
    public func decisionRecords(
        eventID: String?,
        entitlement: EntitlementID?,
        account: AccountID?
    ) async throws -> DecisionRecords {
        let sql = RecordSQL.decisionRecords(eventID: eventID, entitlement: entitlement, account: account)
        return try await fetchOne(sql, RecordSQL.decisionRecords) ?? DecisionRecords()
    }

    public func recordPoison(_ message: PoisonMessage) async throws {
        try await execute(try RecordSQL.insert(message))
    }

    public func poisonMessages(limit: Int) async throws -> [PoisonMessage] {
        try await fetch(RecordSQL.poisonMessages(limit: limit), RecordSQL.poisonMessage)
    }

    public func entitlements(ofAccount account: AccountID) async throws -> [LocalEntitlement] {
        try await fetch(RecordSQL.entitlements(ofAccount: account), RecordSQL.record)
    }

    public func entitlements(
        state: EntitlementState?,
        after: EntitlementID?,
        limit: Int
    ) async throws -> [LocalEntitlement] {
        try await fetch(RecordSQL.entitlements(state: state, after: after, limit: limit), RecordSQL.record)
    }

    public func entitlements(
        matching filter: EntitlementFilter,
        after: EntitlementID?,
        limit: Int
    ) async throws -> [LocalEntitlement] {
        try await fetch(RecordSQL.entitlements(matching: filter, after: after, limit: limit), RecordSQL.record)
    }

    public func auditLog(subject: String?, limit: Int) async throws -> [AuditEntry] {
        try await fetch(RecordSQL.auditLog(subject: subject, limit: limit), RecordSQL.auditEntry)
    }

    // MARK: Failed deliveries and dead letters

    public func recordDeliveryFailure(
        messageKey: String,
        error: String,
        at: Timestamp
    ) async throws -> DeliveryFailures {
        let counted = try await write(
            Fetch(DeadLetterSQL.recordFailure(messageKey: messageKey, error: error, at: at), DeadLetterSQL.failures)
        )
        return counted.first ?? DeliveryFailures(attempts: 1, firstFailedAt: at)
    }

    /// The letter is kept and its failure count forgotten, together.
    public func recordDeadLetter(_ letter: DeadLetter, messageKey: String) async throws -> DeadLetter {
        let insert = try DeadLetterSQL.insert(letter)
        return try await write(
            Steps { rows in
                guard let inserted = rows.first else { return .read([insert]) }
                var stored = letter
                stored.id = try inserted.first?.get("id")
                return .write([DeadLetterSQL.forgetFailures(messageKey: messageKey)], stored)
            }
        )
    }

    public func deadLetters(limit: Int) async throws -> [DeadLetter] {
        try await fetch(DeadLetterSQL.deadLetters(limit: limit), DeadLetterSQL.deadLetter)
    }

    public func deadLetter(id: Int64) async throws -> DeadLetter? {
        try await fetchOne(DeadLetterSQL.deadLetter(id: id), DeadLetterSQL.deadLetter)
    }

    public func recordDeadLetterReplay(id: Int64, at: Timestamp, error: String?) async throws {
        try await execute(DeadLetterSQL.recordReplay(id: id, at: at, error: error))
    }

    public func counts(includingHistory: Bool) async throws -> StoreCounts {
        StoreCounts(rows: try await fetch(StoreCounts.sql(includingHistory: includingHistory), StoreCounts.row))
    }

    // MARK: Retention (`RetentionSQL`)

    /// One short write transaction per kind of row, so a notification's commit never waits long.
    public func prune(_ policy: RetentionPolicy, now: Timestamp, batch: Int) async throws -> PruneSummary {
        var summary = PruneSummary()
        for (kind, sql) in RetentionSQL.statements(policy, now: now, batch: batch) {
            summary[keyPath: kind] = try await changed(sql)
        }
        return summary
    }
}
