import Foundation
public import MarketplaceCore
import PostgresNIO

/// Failed attempts and dead letters, shared by the replicas that see a message fail.
extension PostgresStore {
    public func recordDeliveryFailure(messageKey: String, error: String, at: Timestamp) async throws -> DeliveryFailures {
        try await write { connection in
            let row = try await rows(
                """
                INSERT INTO delivery_failure (message_key, attempts, first_failed_at, last_failed_at, last_error)
                VALUES (\(messageKey), 1, \(at.micros), \(at.micros), \(error))
                ON CONFLICT (message_key) DO UPDATE SET attempts = delivery_failure.attempts + 1, last_failed_at = excluded.last_failed_at,
                    last_error = excluded.last_error
                RETURNING attempts, first_failed_at
                """,
                on: connection
            ).first
            return DeliveryFailures(
                attempts: try row?.get("attempts", as: Int.self) ?? 1,
                firstFailedAt: Timestamp(micros: try row?.get("first_failed_at", as: Int64.self) ?? at.micros)
            )
        }
    }

    public func recordDeadLetter(_ letter: DeadLetter, messageKey: String) async throws -> DeadLetter {
        try await write { connection in
            let row = try await rows(
                """
                INSERT INTO dead_letter (message_id, event_id, subject, data, attributes, error, attempts, first_failed_at, dead_lettered_at)
                VALUES (\(letter.messageID), \(letter.eventID), \(letter.subject), \(letter.data), \(try StoreJSON.encode(letter.attributes)),
                    \(letter.error), \(letter.attempts), \(letter.firstFailedAt.micros), \(letter.deadLetteredAt.micros))
                RETURNING id
                """,
                on: connection
            ).first
            try await execute("DELETE FROM delivery_failure WHERE message_key = \(messageKey)", on: connection)
            var stored = letter
            stored.id = try row?.get("id")
            return stored
        }
    }

    public func deadLetters(limit: Int) async throws -> [DeadLetter] {
        try await read { try await rows("SELECT * FROM dead_letter ORDER BY id DESC LIMIT \(limit)", on: $0).map(Self.deadLetter) }
    }

    public func deadLetter(id: Int64) async throws -> DeadLetter? {
        try await read { try await rows("SELECT * FROM dead_letter WHERE id = \(id)", on: $0).first.map(Self.deadLetter) }
    }

    public func recordDeadLetterReplay(id: Int64, at: Timestamp, error: String?) async throws {
        try await write { connection in
            try await execute(
                """
                UPDATE dead_letter SET replay_error = \(error),
                    replayed_at = CASE WHEN \(error)::TEXT IS NULL THEN \(at.micros) ELSE replayed_at END WHERE id = \(id)
                """,
                on: connection
            )
        }
    }

    static func deadLetter(_ row: PGRow) throws -> DeadLetter {
        DeadLetter(
            id: try row.get("id"),
            messageID: try row.get("message_id"),
            eventID: try row.get("event_id"),
            subject: try row.get("subject"),
            data: try row.get("data"),
            attributes: try StoreJSON.decode(row.get("attributes")),
            error: try row.get("error"),
            attempts: try row.get("attempts"),
            firstFailedAt: Timestamp(micros: try row.get("first_failed_at")),
            deadLetteredAt: Timestamp(micros: try row.get("dead_lettered_at")),
            replayedAt: (try row.get("replayed_at", as: Int64?.self)).map(Timestamp.init(micros:)),
            replayError: try row.get("replay_error")
        )
    }
}
