import Foundation
import GRDB
public import MarketplaceCore

extension SQLiteStore {
    public func claimCallbacks(now: Timestamp, limit: Int, leaseSeconds: Int64, claimant: String) async throws -> [OutboxItem] {
        try await pool.write { db in
            let items = try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM outbox o WHERE status = 'pending' AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until <= ?)
                        AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.subject = o.subject AND e.status = 'pending' AND e.rowid < o.rowid)
                    ORDER BY next_attempt_at, rowid LIMIT ?
                    """,
                arguments: [now.micros, now.micros, limit]
            ).map(Self.outboxItem)
            let until = now.adding(seconds: leaseSeconds).micros
            for item in items {
                try db.execute(sql: "UPDATE outbox SET claimed_by = ?, claimed_until = ? WHERE id = ?", arguments: [claimant, until, item.id])
            }
            return items
        }
    }

    public func callbacks(status: OutboxItem.Status?, limit: Int) async throws -> [OutboxItem] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM outbox WHERE (? IS NULL OR status = ?) ORDER BY created_at DESC, id LIMIT ?",
                arguments: [status?.rawValue, status?.rawValue, limit]
            ).map(Self.outboxItem)
        }
    }

    public func callbacks(subject: String, limit: Int) async throws -> [OutboxItem] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM outbox WHERE subject = ? ORDER BY created_at DESC, id LIMIT ?", arguments: [subject, limit])
                .map(Self.outboxItem)
        }
    }

    public func callback(id: String) async throws -> OutboxItem? {
        try await pool.read { db in try Row.fetchOne(db, sql: "SELECT * FROM outbox WHERE id = ?", arguments: [id]).map(Self.outboxItem) }
    }

    public func markCallbackDelivered(id: String, at: Timestamp) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE outbox SET status = 'delivered', delivered_at = ?, attempts = attempts + 1, last_error = NULL,
                        claimed_by = NULL, claimed_until = NULL WHERE id = ?
                    """,
                arguments: [at.micros, id]
            )
        }
    }

    public func markCallbackFailed(id: String, error: String, nextAttemptAt: Timestamp?) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE outbox SET attempts = attempts + 1, last_error = ?,
                        status = CASE WHEN ? IS NULL THEN 'failed' ELSE 'pending' END,
                        next_attempt_at = COALESCE(?, next_attempt_at), claimed_by = NULL, claimed_until = NULL
                    WHERE id = ?
                    """,
                arguments: [error, nextAttemptAt?.micros, nextAttemptAt?.micros, id]
            )
        }
    }

    public func replayCallback(id: String, now: Timestamp) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE outbox SET status = 'pending', next_attempt_at = ?, queued_at = ?, delivered_at = NULL, claimed_by = NULL,
                        claimed_until = NULL WHERE id = ?
                    """,
                arguments: [now.micros, now.micros, id]
            )
            return db.changesCount == 1
        }
    }

    static func outboxItem(_ row: Row) throws -> OutboxItem {
        OutboxItem(
            id: row["id"],
            kind: CallbackKind(rawValue: row["kind"]) ?? .activated,
            accountID: (row["account_id"] as String?).flatMap { try? AccountID($0) },
            entitlementID: (row["entitlement_id"] as String?).flatMap { try? EntitlementID($0) },
            body: row["body"],
            createdAt: Timestamp(micros: row["created_at"]),
            queuedAt: Timestamp(micros: row["queued_at"]),
            attempts: row["attempts"],
            nextAttemptAt: Timestamp(micros: row["next_attempt_at"]),
            status: OutboxItem.Status(rawValue: row["status"]) ?? .pending,
            deliveredAt: (row["delivered_at"] as Int64?).map(Timestamp.init(micros:)),
            lastError: row["last_error"]
        )
    }
}

/// One process has an SQLite file: it leads, and its `SubjectLocks` are the only ones needed.
extension SQLiteStore {
    public func acquireSubject(_ subject: String, holder: String, until: Timestamp, now: Timestamp) async throws -> Bool { true }

    public func releaseSubject(_ subject: String, holder: String) async throws {}

    public var leasesSubjects: Bool { false }

    public func leaderElection(replica: String) -> any LeaderElection { SingleProcessLeadership(replica: replica) }

    public func leader() async throws -> LeaderInfo? { nil }
}
