public import EntitleStore
public import Foundation
import Logging
import MarketplaceCore

/// What happens to a message `handle` failed on: counted, handed back with a growing delay, and
/// after enough attempts dead-lettered (kept with its error and payload, acked, replayable).
extension NotificationProcessor {
    public enum FailureDecision: Hashable, Sendable {
        /// Hand it back to come again in this many seconds.
        case retry(afterSeconds: Int)
        /// Kept as a dead letter: acknowledge it.
        case deadLettered(DeadLetter)
    }

    /// - Throws: when the store cannot count the failure; hand the message back at the initial delay.
    public func failed(
        data: Data?,
        messageID: String?,
        attributes: [String: String] = [:],
        error: any Error
    ) async throws -> FailureDecision {
        let event = data.flatMap { try? MarketplaceEvent(json: $0) }
        let context: Logger.Metadata =
            event.map { ["eventId": "\($0.eventID)", "subject": "\(Self.subject($0))"] } ?? [:]
        return try await LogContext.with(context) {
            try await decideFailure(event, data: data, messageID: messageID, attributes: attributes, error: error)
        }
    }

    private func decideFailure(
        _ event: MarketplaceEvent?,
        data: Data?,
        messageID: String?,
        attributes: [String: String],
        error: any Error
    ) async throws -> FailureDecision {
        let key =
            messageID ?? event.map { "event:\($0.eventID)" }
            ?? "data:\(HashedUUID.v8([String(decoding: data ?? Data(), as: UTF8.self)]))"
        if case StoreError.unavailable = error {
            // The store's outage is not the message's fault: never counted towards dead-lettering,
            // and Pub/Sub brings it back when the store may be back.
            count(event, .handedBack)
            return .retry(afterSeconds: retry.delay(afterAttempts: 1))
        }
        let time = now()
        let failures = try await store.recordDeliveryFailure(messageKey: key, error: "\(error)", at: time)
        guard failures.attempts >= retry.deadLetterAfter else {
            let delay = retry.delay(afterAttempts: failures.attempts)
            count(event, .handedBack)
            logger.warning(
                "handing back",
                metadata: [
                    "messageId": "\(messageID ?? "")", "attempts": "\(failures.attempts)", "retryInSeconds": "\(delay)",
                    "error": "\(error)",
                ]
            )
            return .retry(afterSeconds: delay)
        }
        let letter = DeadLetter(
            messageID: messageID,
            eventID: event?.eventID,
            subject: event.map(Self.subject),
            data: data ?? Data(),
            attributes: attributes,
            error: "\(error)",
            attempts: failures.attempts,
            firstFailedAt: failures.firstFailedAt,
            deadLetteredAt: time
        )
        let stored = try await store.recordDeadLetter(letter, messageKey: key)
        counters.count { $0.deadLettered += 1 }
        attention?.notify(.deadLettered(id: stored.id, subject: stored.subject, error: "\(error)"))
        count(event, .deadLettered)
        logger.error(
            "dead-lettered after \(failures.attempts) attempts; acked, replayable from the admin API",
            metadata: [
                "messageId": "\(messageID ?? "")", "deadLetter": "\(stored.id ?? 0)",
                "subject": "\(stored.subject ?? "")", "error": "\(error)",
            ]
        )
        return .deadLettered(stored)
    }

    /// An administrator's replay of a dead letter: processed as if it had just arrived.
    /// - Throws: why it failed again (recorded on the dead letter too).
    public func replay(_ letter: DeadLetter) async throws -> Outcome {
        guard let id = letter.id else { throw PoisonReason("a dead letter without an id") }
        do {
            let outcome = try await handle(
                data: letter.data,
                messageID: letter.messageID,
                attributes: letter.attributes
            )
            try await store.recordDeadLetterReplay(id: id, at: now(), error: nil)
            return outcome
        } catch {
            try await store.recordDeadLetterReplay(id: id, at: now(), error: "\(error)")
            throw error
        }
    }
}
