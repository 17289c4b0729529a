import Foundation
public import MarketplaceCore

/// Callbacks to the vendor's app (`OutboxSQL`).
extension SQLStore {
    public func claimCallbacks(
        now: Timestamp,
        limit: Int,
        leaseSeconds: Int64,
        claimant: String
    ) async throws -> [OutboxItem] {
        let claim = OutboxSQL.claim(now: now, limit: limit, leaseSeconds: leaseSeconds, claimant: claimant)
        return OutboxSQL.inSendingOrder(try await write(Fetch(claim, OutboxSQL.claimed)))
    }

    public func callbacks(status: OutboxItem.Status?, limit: Int) async throws -> [OutboxItem] {
        try await fetch(OutboxSQL.callbacks(status: status, limit: limit), OutboxSQL.outboxItem)
    }

    public func callbacks(subject: String, limit: Int) async throws -> [OutboxItem] {
        try await fetch(OutboxSQL.callbacks(subject: subject, limit: limit), OutboxSQL.outboxItem)
    }

    public func callback(id: String) async throws -> OutboxItem? {
        try await fetchOne(OutboxSQL.callback(id: id), OutboxSQL.outboxItem)
    }

    public func markCallbackDelivered(id: String, at: Timestamp) async throws {
        try await execute(OutboxSQL.markDelivered(id: id, at: at))
    }

    public func markCallbackFailed(id: String, error: String, nextAttemptAt: Timestamp?) async throws {
        try await execute(OutboxSQL.markFailed(id: id, error: error, nextAttemptAt: nextAttemptAt))
    }

    public func replayCallback(id: String, now: Timestamp) async throws -> Bool {
        try await changed(OutboxSQL.replay(id: id, now: now)) == 1
    }
}
