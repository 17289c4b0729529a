import Foundation
import GRDB
public import MarketplaceCore

/// Callbacks to the vendor's app (`OutboxSQL`).
extension SQLiteStore {
    public func claimCallbacks(
        now: Timestamp,
        limit: Int,
        leaseSeconds: Int64,
        claimant: String
    ) async throws -> [OutboxItem] {
        try await pool.write { db in
            try OutboxSQL.claimed(
                db.fetch(OutboxSQL.claim(now: now, limit: limit, leaseSeconds: leaseSeconds, claimant: claimant))
            )
        }
    }

    public func callbacks(status: OutboxItem.Status?, limit: Int) async throws -> [OutboxItem] {
        try await pool.read { db in
            try db.fetch(OutboxSQL.callbacks(status: status, limit: limit)).map(OutboxSQL.outboxItem)
        }
    }

    public func callbacks(subject: String, limit: Int) async throws -> [OutboxItem] {
        try await pool.read { db in
            try db.fetch(OutboxSQL.callbacks(subject: subject, limit: limit)).map(OutboxSQL.outboxItem)
        }
    }

    public func callback(id: String) async throws -> OutboxItem? {
        try await pool.read { db in try db.fetchOne(OutboxSQL.callback(id: id)).map(OutboxSQL.outboxItem) }
    }

    public func markCallbackDelivered(id: String, at: Timestamp) async throws {
        try await pool.write { db in try db.run(OutboxSQL.markDelivered(id: id, at: at)) }
    }

    public func markCallbackFailed(id: String, error: String, nextAttemptAt: Timestamp?) async throws {
        try await pool.write { db in
            try db.run(OutboxSQL.markFailed(id: id, error: error, nextAttemptAt: nextAttemptAt))
        }
    }

    public func replayCallback(id: String, now: Timestamp) async throws -> Bool {
        try await pool.write { db in try db.fetch(OutboxSQL.replay(id: id, now: now)).count == 1 }
    }
}

/// One process has an SQLite file: it leads, and its `SubjectLocks` are the only ones needed.
extension SQLiteStore {
    public func acquireSubject(_ subject: String, holder: String, until: Timestamp, now: Timestamp) async throws -> Bool {
        true
    }

    public func releaseSubject(_ subject: String, holder: String) async throws {}

    public var leasesSubjects: Bool { false }

    public func leaderElection(replica: String) -> any LeaderElection { SingleProcessLeadership(replica: replica) }

    public func leader() async throws -> LeaderInfo? { nil }
}
