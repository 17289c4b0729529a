import Foundation
import GRDB
public import MarketplaceCore

/// Failed attempts and dead letters (`DeadLetterSQL`).
extension SQLiteStore {
    public func recordDeliveryFailure(
        messageKey: String,
        error: String,
        at: Timestamp
    ) async throws -> DeliveryFailures {
        try await pool.write { db in
            let row = try db.fetchOne(DeadLetterSQL.recordFailure(messageKey: messageKey, error: error, at: at))
            return try row.map(DeadLetterSQL.failures) ?? DeliveryFailures(attempts: 1, firstFailedAt: at)
        }
    }

    public func recordDeadLetter(_ letter: DeadLetter, messageKey: String) async throws -> DeadLetter {
        try await pool.write { db in
            var stored = letter
            stored.id = try db.fetchOne(DeadLetterSQL.insert(letter))?.get("id")
            try db.run(DeadLetterSQL.forgetFailures(messageKey: messageKey))
            return stored
        }
    }

    public func deadLetters(limit: Int) async throws -> [DeadLetter] {
        try await pool.read { db in try db.fetch(DeadLetterSQL.deadLetters(limit: limit)).map(DeadLetterSQL.deadLetter)
        }
    }

    public func deadLetter(id: Int64) async throws -> DeadLetter? {
        try await pool.read { db in try db.fetchOne(DeadLetterSQL.deadLetter(id: id)).map(DeadLetterSQL.deadLetter) }
    }

    public func recordDeadLetterReplay(id: Int64, at: Timestamp, error: String?) async throws {
        try await pool.write { db in try db.run(DeadLetterSQL.recordReplay(id: id, at: at, error: error)) }
    }
}
