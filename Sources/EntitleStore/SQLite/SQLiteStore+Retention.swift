import Foundation
import GRDB
public import MarketplaceCore

/// Pruning by age: one short write transaction per kind of row, at most `batch` rows each, so a
/// notification's commit never waits long behind it.
extension SQLiteStore {
    public func prune(_ policy: RetentionPolicy, now: Timestamp, batch: Int) async throws -> PruneSummary {
        func cutoff(_ days: Int) -> Int64 { now.adding(seconds: -Int64(days) * 86_400).micros }
        var summary = PruneSummary()
        summary.inbox = try await delete("inbox", "processed_at < ?", [cutoff(policy.inboxDays)], batch)
        summary.audit = try await delete("audit_log", "at < ?", [cutoff(policy.auditDays)], batch)
        summary.poison = try await delete("poison_message", "received_at < ?", [cutoff(policy.poisonDays)], batch)
        summary.deadLetters = try await delete("dead_letter", "dead_lettered_at < ?", [cutoff(policy.poisonDays)], batch)
        summary.deliveryFailures = try await delete("delivery_failure", "last_failed_at < ?", [cutoff(policy.poisonDays)], batch)
        // Only records Google has: before that they are what the next report is summed from.
        summary.usageRecords = try await delete(
            "usage_record",
            "accepted_at < ? AND operation_id IN (SELECT id FROM usage_operation WHERE status = 'reported')",
            [cutoff(policy.usageRecordDays)],
            batch
        )
        summary.callbacks = try await delete("outbox", "status != 'pending' AND created_at < ?", [cutoff(policy.callbackDays)], batch)
        summary.signupSessions = try await delete("signup_session", "expires_at < ?", [now.micros], batch)
        summary.handoffs = try await delete("handoff", "expires_at < ?", [now.adding(seconds: -86_400).micros], batch)
        return summary
    }

    private func delete(_ table: String, _ condition: String, _ arguments: StatementArguments, _ batch: Int) async throws -> Int {
        try await pool.write { db in
            try db.execute(
                sql: "DELETE FROM \(table) WHERE rowid IN (SELECT rowid FROM \(table) WHERE \(condition) LIMIT ?)",
                arguments: arguments + [batch]
            )
            return db.changesCount
        }
    }
}
