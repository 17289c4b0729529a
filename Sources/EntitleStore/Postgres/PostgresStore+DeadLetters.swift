import Foundation
public import MarketplaceCore
import PostgresNIO

/// Failed attempts and dead letters (`DeadLetterSQL`), shared by the replicas that see a message fail.
extension PostgresStore {
    public func recordDeliveryFailure(
        messageKey: String,
        error: String,
        at: Timestamp
    ) async throws -> DeliveryFailures {
        try await write { connection in
            let row = try await fetchOne(
                DeadLetterSQL.recordFailure(messageKey: messageKey, error: error, at: at),
                on: connection
            )
            return try row.map(DeadLetterSQL.failures) ?? DeliveryFailures(attempts: 1, firstFailedAt: at)
        }
    }

    public func recordDeadLetter(_ letter: DeadLetter, messageKey: String) async throws -> DeadLetter {
        try await write { connection in
            var stored = letter
            stored.id = try await fetchOne(DeadLetterSQL.insert(letter), on: connection)?.get("id")
            try await run(DeadLetterSQL.forgetFailures(messageKey: messageKey), on: connection)
            return stored
        }
    }

    public func deadLetters(limit: Int) async throws -> [DeadLetter] {
        try await read {
            try await fetch(DeadLetterSQL.deadLetters(limit: limit), on: $0).map(DeadLetterSQL.deadLetter)
        }
    }

    public func deadLetter(id: Int64) async throws -> DeadLetter? {
        try await read { try await fetchOne(DeadLetterSQL.deadLetter(id: id), on: $0).map(DeadLetterSQL.deadLetter) }
    }

    public func recordDeadLetterReplay(id: Int64, at: Timestamp, error: String?) async throws {
        try await write { try await run(DeadLetterSQL.recordReplay(id: id, at: at, error: error), on: $0) }
    }
}
