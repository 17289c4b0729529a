import Foundation
public import MarketplaceCore
import PostgresNIO

extension PostgresStore {
    /// Each subject's first pending callback, if due and unclaimed, claimed in one statement:
    /// `FOR UPDATE SKIP LOCKED` lets replicas claim at once without waiting on each other or
    /// taking the same row, and a later callback of a subject is never eligible while an earlier one
    /// is pending, claimed or not, so order per subject holds across replicas.
    public func claimCallbacks(now: Timestamp, limit: Int, leaseSeconds: Int64, claimant: String) async throws -> [OutboxItem] {
        try await write { connection in
            try await rows(
                """
                UPDATE outbox SET claimed_by = \(claimant), claimed_until = \(now.adding(seconds: leaseSeconds).micros)
                WHERE id IN (
                    SELECT id FROM outbox o WHERE status = 'pending' AND next_attempt_at <= \(now.micros)
                        AND (claimed_until IS NULL OR claimed_until <= \(now.micros))
                        AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.subject = o.subject AND e.status = 'pending' AND e.seq < o.seq)
                    ORDER BY next_attempt_at, seq LIMIT \(limit) FOR UPDATE SKIP LOCKED
                )
                RETURNING *
                """,
                on: connection
            ).map { (try $0.get("seq", as: Int64.self), try Self.outboxItem($0)) }
                .sorted { ($0.1.nextAttemptAt, $0.0) < ($1.1.nextAttemptAt, $1.0) }
                .map(\.1)
        }
    }

    public func callbacks(status: OutboxItem.Status?, limit: Int) async throws -> [OutboxItem] {
        try await read { connection in
            try await rows(
                """
                SELECT * FROM outbox WHERE (\(status?.rawValue)::TEXT IS NULL OR status = \(status?.rawValue))
                ORDER BY created_at DESC, id LIMIT \(limit)
                """,
                on: connection
            ).map(Self.outboxItem)
        }
    }

    public func callbacks(subject: String, limit: Int) async throws -> [OutboxItem] {
        try await read { connection in
            try await rows("SELECT * FROM outbox WHERE subject = \(subject) ORDER BY created_at DESC, id LIMIT \(limit)", on: connection)
                .map(Self.outboxItem)
        }
    }

    public func callback(id: String) async throws -> OutboxItem? {
        try await read { try await rows("SELECT * FROM outbox WHERE id = \(id)", on: $0).first.map(Self.outboxItem) }
    }

    public func markCallbackDelivered(id: String, at: Timestamp) async throws {
        try await write { connection in
            try await execute(
                """
                UPDATE outbox SET status = 'delivered', delivered_at = \(at.micros), attempts = attempts + 1, last_error = NULL,
                    claimed_by = NULL, claimed_until = NULL WHERE id = \(id)
                """,
                on: connection
            )
        }
    }

    public func markCallbackFailed(id: String, error: String, nextAttemptAt: Timestamp?) async throws {
        try await write { connection in
            try await execute(
                """
                UPDATE outbox SET attempts = attempts + 1, last_error = \(error),
                    status = CASE WHEN \(nextAttemptAt?.micros)::BIGINT IS NULL THEN 'failed' ELSE 'pending' END,
                    next_attempt_at = COALESCE(\(nextAttemptAt?.micros), next_attempt_at), claimed_by = NULL, claimed_until = NULL
                WHERE id = \(id)
                """,
                on: connection
            )
        }
    }

    public func replayCallback(id: String, now: Timestamp) async throws -> Bool {
        try await write { connection in
            try await changed(
                """
                UPDATE outbox SET status = 'pending', next_attempt_at = \(now.micros), queued_at = \(now.micros), delivered_at = NULL,
                    claimed_by = NULL, claimed_until = NULL WHERE id = \(id) RETURNING 1
                """,
                on: connection
            ) == 1
        }
    }

    static func outboxItem(_ row: PGRow) throws -> OutboxItem {
        OutboxItem(
            id: try row.get("id"),
            kind: CallbackKind(rawValue: try row.get("kind")) ?? .activated,
            accountID: (try row.get("account_id", as: String?.self)).flatMap { try? AccountID($0) },
            entitlementID: (try row.get("entitlement_id", as: String?.self)).flatMap { try? EntitlementID($0) },
            body: try row.get("body"),
            createdAt: Timestamp(micros: try row.get("created_at")),
            queuedAt: Timestamp(micros: try row.get("queued_at")),
            attempts: try row.get("attempts"),
            nextAttemptAt: Timestamp(micros: try row.get("next_attempt_at")),
            status: OutboxItem.Status(rawValue: try row.get("status")) ?? .pending,
            deliveredAt: (try row.get("delivered_at", as: Int64?.self)).map(Timestamp.init(micros:)),
            lastError: try row.get("last_error")
        )
    }
}
