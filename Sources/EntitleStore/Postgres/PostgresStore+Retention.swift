import Foundation
public import MarketplaceCore
import PostgresNIO

/// Pruning by age: one short transaction per kind of row, at most `batch` rows each.
extension PostgresStore {
    public func prune(_ policy: RetentionPolicy, now: Timestamp, batch: Int) async throws -> PruneSummary {
        func cutoff(_ days: Int) -> Int64 { now.adding(seconds: -Int64(days) * 86_400).micros }
        var summary = PruneSummary()
        summary.inbox = try await delete(
            "DELETE FROM inbox WHERE ctid IN (SELECT ctid FROM inbox WHERE processed_at < \(cutoff(policy.inboxDays)) LIMIT \(batch)) RETURNING 1"
        )
        summary.audit = try await delete(
            "DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE at < \(cutoff(policy.auditDays)) LIMIT \(batch)) RETURNING 1"
        )
        let poison = cutoff(policy.poisonDays)
        summary.poison = try await delete(
            "DELETE FROM poison_message WHERE id IN (SELECT id FROM poison_message WHERE received_at < \(poison) LIMIT \(batch)) RETURNING 1"
        )
        summary.deadLetters = try await delete(
            "DELETE FROM dead_letter WHERE id IN (SELECT id FROM dead_letter WHERE dead_lettered_at < \(poison) LIMIT \(batch)) RETURNING 1"
        )
        summary.deliveryFailures = try await delete(
            """
            DELETE FROM delivery_failure WHERE message_key IN (SELECT message_key FROM delivery_failure WHERE last_failed_at < \(poison) LIMIT \(batch))
            RETURNING 1
            """
        )
        // Only records Google has: before that they are what the next report is summed from.
        summary.usageRecords = try await delete(
            """
            DELETE FROM usage_record WHERE ctid IN (SELECT r.ctid FROM usage_record r JOIN usage_operation o ON o.id = r.operation_id
                WHERE r.accepted_at < \(cutoff(policy.usageRecordDays)) AND o.status = 'reported' LIMIT \(batch))
            RETURNING 1
            """
        )
        summary.callbacks = try await delete(
            """
            DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE status != 'pending' AND created_at < \(cutoff(policy.callbackDays)) LIMIT \(batch))
            RETURNING 1
            """
        )
        summary.signupSessions = try await delete(
            "DELETE FROM signup_session WHERE id IN (SELECT id FROM signup_session WHERE expires_at < \(now.micros) LIMIT \(batch)) RETURNING 1"
        )
        let handoffs = now.adding(seconds: -86_400).micros
        summary.handoffs = try await delete(
            "DELETE FROM handoff WHERE code_hash IN (SELECT code_hash FROM handoff WHERE expires_at < \(handoffs) LIMIT \(batch)) RETURNING 1"
        )
        return summary
    }

    private func delete(_ query: PostgresQuery) async throws -> Int {
        try await write { try await changed(query, on: $0) }
    }
}
