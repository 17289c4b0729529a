import Foundation
import MarketplaceCore

/// Callbacks to the vendor's app. Order per subject (an entitlement, an account) is insertion
/// order: SQLite's rowid, PostgreSQL's `seq`.
enum OutboxSQL {
    /// Each subject's first pending callback, if due and unclaimed, claimed in one statement. A later
    /// callback of a subject is never eligible while an earlier one is pending, claimed or not, so
    /// order per subject holds across replicas; on PostgreSQL `FOR UPDATE SKIP LOCKED` lets replicas
    /// claim at once without waiting on each other or taking the same row (SQLite has one writer).
    static func claim(now: Timestamp, limit: Int, leaseSeconds: Int64, claimant: String) -> StoreSQL {
        """
        UPDATE outbox SET claimed_by = \(claimant), claimed_until = \(now.adding(seconds: leaseSeconds))
        WHERE id IN (
            SELECT id FROM outbox o WHERE status = 'pending' AND next_attempt_at <= \(now)
                AND (claimed_until IS NULL OR claimed_until <= \(now))
                AND NOT EXISTS (
                    SELECT 1 FROM outbox e WHERE e.subject = o.subject AND e.status = 'pending'
                        AND e.\(position) < o.\(position)
                )
            ORDER BY next_attempt_at, \(position) LIMIT \(limit)\(sqlite: "", postgres: " FOR UPDATE SKIP LOCKED")
        )
        RETURNING *, \(position) AS position
        """
    }

    /// A claimed row and its place in the queue.
    static func claimed(_ row: any StoreRow) throws -> (item: OutboxItem, position: Int64) {
        (try outboxItem(row), try row.get("position"))
    }

    /// The claimed rows in sending order (RETURNING gives them in no order).
    static func inSendingOrder(_ claimed: [(item: OutboxItem, position: Int64)]) -> [OutboxItem] {
        claimed.sorted { ($0.item.nextAttemptAt, $0.position) < ($1.item.nextAttemptAt, $1.position) }.map(\.item)
    }

    private static var position: StoreSQL { "\(sqlite: "rowid", postgres: "seq")" }

    /// The newest first. A status is a condition, never an always-true `OR`: the index of status
    /// and time serves it, where the `OR` read every callback ever made to find the pending few.
    static func callbacks(status: OutboxItem.Status?, limit: Int) -> StoreSQL {
        let condition: StoreSQL = status.map { "WHERE status = \($0.rawValue)" } ?? ""
        return "SELECT * FROM outbox \(condition) ORDER BY created_at DESC, id LIMIT \(limit)"
    }

    static func callbacks(subject: String, limit: Int) -> StoreSQL {
        "SELECT * FROM outbox WHERE subject = \(subject) ORDER BY created_at DESC, id LIMIT \(limit)"
    }

    static func callback(id: String) -> StoreSQL { "SELECT * FROM outbox WHERE id = \(id)" }

    static func markDelivered(id: String, at: Timestamp) -> StoreSQL {
        """
        UPDATE outbox SET status = 'delivered', delivered_at = \(at), attempts = attempts + 1, last_error = NULL,
            claimed_by = NULL, claimed_until = NULL WHERE id = \(id)
        """
    }

    /// Pending again at `nextAttemptAt`, or failed for good without one.
    static func markFailed(id: String, error: String, nextAttemptAt: Timestamp?) -> StoreSQL {
        """
        UPDATE outbox SET attempts = attempts + 1, last_error = \(error),
            status = CASE WHEN CAST(\(nextAttemptAt) AS BIGINT) IS NULL THEN 'failed' ELSE 'pending' END,
            next_attempt_at = COALESCE(\(nextAttemptAt), next_attempt_at), claimed_by = NULL, claimed_until = NULL
        WHERE id = \(id)
        """
    }

    /// One row back when the callback exists.
    static func replay(id: String, now: Timestamp) -> StoreSQL {
        """
        UPDATE outbox SET status = 'pending', next_attempt_at = \(now), queued_at = \(now), delivered_at = NULL,
            claimed_by = NULL, claimed_until = NULL WHERE id = \(id) RETURNING 1
        """
    }

    static func outboxItem(_ row: any StoreRow) throws -> OutboxItem {
        OutboxItem(
            id: try row.get("id"),
            kind: CallbackKind(rawValue: try row.get("kind")) ?? .activated,
            accountID: (try row.get("account_id", as: String?.self)).flatMap { try? AccountID($0) },
            entitlementID: (try row.get("entitlement_id", as: String?.self)).flatMap { try? EntitlementID($0) },
            body: try row.get("body"),
            createdAt: try row.time("created_at"),
            queuedAt: try row.time("queued_at"),
            attempts: try row.get("attempts"),
            nextAttemptAt: try row.time("next_attempt_at"),
            status: OutboxItem.Status(rawValue: try row.get("status")) ?? .pending,
            deliveredAt: try row.timeIfAny("delivered_at"),
            lastError: try row.get("last_error")
        )
    }
}
