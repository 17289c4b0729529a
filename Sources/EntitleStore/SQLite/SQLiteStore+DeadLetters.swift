import Foundation
import GRDB
public import MarketplaceCore

/// Failed attempts and dead letters: a notification that keeps failing is counted, then kept.
extension SQLiteStore {
    public func recordDeliveryFailure(messageKey: String, error: String, at: Timestamp) async throws -> DeliveryFailures {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO delivery_failure (message_key, attempts, first_failed_at, last_failed_at, last_error) VALUES (?, 1, ?, ?, ?)
                    ON CONFLICT (message_key) DO UPDATE SET attempts = attempts + 1, last_failed_at = excluded.last_failed_at,
                        last_error = excluded.last_error
                    """,
                arguments: [messageKey, at.micros, at.micros, error]
            )
            let row = try Row.fetchOne(
                db,
                sql: "SELECT attempts, first_failed_at FROM delivery_failure WHERE message_key = ?",
                arguments: [messageKey]
            )
            return DeliveryFailures(attempts: row?["attempts"] ?? 1, firstFailedAt: Timestamp(micros: row?["first_failed_at"] ?? at.micros))
        }
    }

    public func recordDeadLetter(_ letter: DeadLetter, messageKey: String) async throws -> DeadLetter {
        try await pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO dead_letter (message_id, event_id, subject, data, attributes, error, attempts, first_failed_at, dead_lettered_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    letter.messageID, letter.eventID, letter.subject, letter.data, try Self.encode(letter.attributes), letter.error, letter.attempts,
                    letter.firstFailedAt.micros, letter.deadLetteredAt.micros,
                ]
            )
            var stored = letter
            stored.id = db.lastInsertedRowID
            try db.execute(sql: "DELETE FROM delivery_failure WHERE message_key = ?", arguments: [messageKey])
            return stored
        }
    }

    public func deadLetters(limit: Int) async throws -> [DeadLetter] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM dead_letter ORDER BY id DESC LIMIT ?", arguments: [limit]).map(Self.deadLetter)
        }
    }

    public func deadLetter(id: Int64) async throws -> DeadLetter? {
        try await pool.read { db in try Row.fetchOne(db, sql: "SELECT * FROM dead_letter WHERE id = ?", arguments: [id]).map(Self.deadLetter) }
    }

    public func recordDeadLetterReplay(id: Int64, at: Timestamp, error: String?) async throws {
        try await pool.write { db in
            try db.execute(
                sql: """
                    UPDATE dead_letter SET replay_error = ?, replayed_at = CASE WHEN ? IS NULL THEN ? ELSE replayed_at END WHERE id = ?
                    """,
                arguments: [error, error, at.micros, id]
            )
        }
    }

    static func deadLetter(_ row: Row) throws -> DeadLetter {
        DeadLetter(
            id: row["id"],
            messageID: row["message_id"],
            eventID: row["event_id"],
            subject: row["subject"],
            data: row["data"],
            attributes: try decode(row["attributes"]),
            error: row["error"],
            attempts: row["attempts"],
            firstFailedAt: Timestamp(micros: row["first_failed_at"]),
            deadLetteredAt: Timestamp(micros: row["dead_lettered_at"]),
            replayedAt: (row["replayed_at"] as Int64?).map(Timestamp.init(micros:)),
            replayError: row["replay_error"]
        )
    }
}
