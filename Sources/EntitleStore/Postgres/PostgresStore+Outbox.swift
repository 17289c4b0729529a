import Foundation
public import MarketplaceCore
import PostgresNIO

/// Callbacks to the vendor's app (`OutboxSQL`), claimed by replicas without waiting on each other.
extension PostgresStore {
    public func claimCallbacks(
        now: Timestamp,
        limit: Int,
        leaseSeconds: Int64,
        claimant: String
    ) async throws -> [OutboxItem] {
        try await write { connection in
            let claim = OutboxSQL.claim(now: now, limit: limit, leaseSeconds: leaseSeconds, claimant: claimant)
            return try OutboxSQL.claimed(await fetch(claim, on: connection))
        }
    }

    public func callbacks(status: OutboxItem.Status?, limit: Int) async throws -> [OutboxItem] {
        try await read {
            try await fetch(OutboxSQL.callbacks(status: status, limit: limit), on: $0).map(OutboxSQL.outboxItem)
        }
    }

    public func callbacks(subject: String, limit: Int) async throws -> [OutboxItem] {
        try await read {
            try await fetch(OutboxSQL.callbacks(subject: subject, limit: limit), on: $0).map(OutboxSQL.outboxItem)
        }
    }

    public func callback(id: String) async throws -> OutboxItem? {
        try await read { try await fetchOne(OutboxSQL.callback(id: id), on: $0).map(OutboxSQL.outboxItem) }
    }

    public func markCallbackDelivered(id: String, at: Timestamp) async throws {
        try await write { try await run(OutboxSQL.markDelivered(id: id, at: at), on: $0) }
    }

    public func markCallbackFailed(id: String, error: String, nextAttemptAt: Timestamp?) async throws {
        try await write {
            try await run(OutboxSQL.markFailed(id: id, error: error, nextAttemptAt: nextAttemptAt), on: $0)
        }
    }

    public func replayCallback(id: String, now: Timestamp) async throws -> Bool {
        try await write { try await fetch(OutboxSQL.replay(id: id, now: now), on: $0).count == 1 }
    }
}
