import Foundation
import MarketplaceCore

/// Pruning by age: one short statement per kind of row, at most `batch` rows each, so a
/// notification's commit never waits long behind it. Each answers one row per row deleted.
enum RetentionSQL {
    static func statements(
        _ policy: RetentionPolicy,
        now: Timestamp,
        batch: Int
    ) -> [(kind: WritableKeyPath<PruneSummary, Int>, sql: StoreSQL)] {
        func cutoff(_ days: Int) -> Timestamp { now.adding(seconds: -Int64(days) * 86_400) }
        let poison = cutoff(policy.poisonDays)
        return [
            (
                \.inbox,
                delete(name: "inbox", key: "event_id", where: "processed_at < \(cutoff(policy.inboxDays))", batch)
            ),
            (\.audit, delete(name: "audit_log", key: "id", where: "at < \(cutoff(policy.auditDays))", batch)),
            (\.poison, delete(name: "poison_message", key: "id", where: "received_at < \(poison)", batch)),
            (\.deadLetters, delete(name: "dead_letter", key: "id", where: "dead_lettered_at < \(poison)", batch)),
            (
                \.deliveryFailures,
                delete(name: "delivery_failure", key: "message_key", where: "last_failed_at < \(poison)", batch)
            ),
            // Only records Google has: before that they are what the next report is summed from. From
            // the old records to their operations (an `IN` over reported operations read them all).
            (
                \.usageRecords,
                delete(
                    name: "usage_record",
                    key: "(app, idempotency_key)",
                    columns: "app, idempotency_key",
                    where: """
                        accepted_at < \(cutoff(policy.usageRecordDays)) AND EXISTS (
                            SELECT 1 FROM usage_operation o
                            WHERE o.id = usage_record.operation_id AND o.status = 'reported'
                        )
                        """,
                    batch
                )
            ),
            // Only operations Google has (or that were replaced), and only once their records are gone:
            // a record's operation id must always name a row. Reported or replaced only after its
            // window began, an operation old enough has an old window too: that bound keeps each
            // pass to the rows it may delete, not every reported row.
            (
                \.usageOperations,
                delete(
                    name: "usage_operation",
                    key: "id",
                    where: """
                        status IN ('reported', 'superseded') AND window_start < \(cutoff(policy.usageOperationDays))
                            AND COALESCE(reported_at, updated_at) < \(cutoff(policy.usageOperationDays))
                            AND NOT EXISTS (SELECT 1 FROM usage_record WHERE operation_id = usage_operation.id)
                        """,
                    batch
                )
            ),
            (
                \.callbacks,
                delete(
                    name: "outbox",
                    key: "id",
                    where: "status != 'pending' AND created_at < \(cutoff(policy.callbackDays))",
                    batch
                )
            ),
            (\.signupSessions, delete(name: "signup_session", key: "id", where: "expires_at < \(now)", batch)),
            (
                \.handoffs,
                delete(name: "handoff", key: "code_hash", where: "expires_at < \(now.adding(seconds: -86_400))", batch)
            ),
        ]
    }

    /// `key` names the rows (a column, or a row value of the primary key's `columns`).
    private static func delete(
        name table: StaticString,
        key: StaticString,
        columns: StaticString? = nil,
        where condition: StoreSQL,
        _ batch: Int
    ) -> StoreSQL {
        """
        DELETE FROM \(name: table) WHERE \(name: key) IN (
            SELECT \(name: columns ?? key) FROM \(name: table) WHERE \(condition) LIMIT \(batch)
        ) RETURNING 1
        """
    }
}
