import Foundation
import MarketplaceCore

/// Failed attempts and dead letters: a notification that keeps failing is counted, then kept.
enum DeadLetterSQL {
    static func recordFailure(messageKey: String, error: String, at: Timestamp) -> StoreSQL {
        """
        INSERT INTO delivery_failure (message_key, attempts, first_failed_at, last_failed_at, last_error)
        VALUES (\(messageKey), 1, \(at), \(at), \(error))
        ON CONFLICT (message_key) DO UPDATE SET attempts = delivery_failure.attempts + 1,
            last_failed_at = excluded.last_failed_at, last_error = excluded.last_error
        RETURNING attempts, first_failed_at
        """
    }

    static func failures(_ row: any StoreRow) throws -> DeliveryFailures {
        DeliveryFailures(attempts: try row.get("attempts"), firstFailedAt: try row.time("first_failed_at"))
    }

    static func insert(_ letter: DeadLetter) throws -> StoreSQL {
        """
        INSERT INTO dead_letter (
            message_id, event_id, subject, data, attributes, error, attempts, first_failed_at, dead_lettered_at
        )
        VALUES (\(letter.messageID), \(letter.eventID), \(letter.subject), \(letter.data),
            \(try StoreJSON.encode(letter.attributes)), \(letter.error), \(letter.attempts), \(letter.firstFailedAt),
            \(letter.deadLetteredAt))
        RETURNING id
        """
    }

    static func forgetFailures(messageKey: String) -> StoreSQL {
        "DELETE FROM delivery_failure WHERE message_key = \(messageKey)"
    }

    static func deadLetters(limit: Int) -> StoreSQL { "SELECT * FROM dead_letter ORDER BY id DESC LIMIT \(limit)" }

    static func deadLetter(id: Int64) -> StoreSQL { "SELECT * FROM dead_letter WHERE id = \(id)" }

    static func recordReplay(id: Int64, at: Timestamp, error: String?) -> StoreSQL {
        """
        UPDATE dead_letter SET replay_error = \(error),
            replayed_at = CASE WHEN CAST(\(error) AS TEXT) IS NULL THEN \(at) ELSE replayed_at END
        WHERE id = \(id)
        """
    }

    static func deadLetter(_ row: any StoreRow) throws -> DeadLetter {
        DeadLetter(
            id: try row.get("id"),
            messageID: try row.get("message_id"),
            eventID: try row.get("event_id"),
            subject: try row.get("subject"),
            data: try row.get("data"),
            attributes: try row.json("attributes"),
            error: try row.get("error"),
            attempts: try row.get("attempts"),
            firstFailedAt: try row.time("first_failed_at"),
            deadLetteredAt: try row.time("dead_lettered_at"),
            replayedAt: try row.timeIfAny("replayed_at"),
            replayError: try row.get("replay_error")
        )
    }
}
