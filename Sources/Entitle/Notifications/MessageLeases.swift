import Foundation
import GoogleCloud
import Logging
import Synchronization

/// Keeps the leases of the messages in hand: every few seconds, one `modifyAckDeadline` extends
/// all those held for a whole round (a message is worked on until its commit, and Google's
/// retries can take longer than the deadline). One loop for the whole service, instead of a task
/// and a timer per message, which cost more CPU than the extensions they almost never sent.
final class MessageLeases: Sendable {
    private let held = Mutex<[String: ContinuousClock.Instant]>([:])
    let pubsub: PubSubClient
    let subscription: String
    let deadlineSeconds: Int
    let logger: Logger

    init(pubsub: PubSubClient, subscription: String, deadlineSeconds: Int, logger: Logger) {
        self.pubsub = pubsub
        self.subscription = subscription
        self.deadlineSeconds = deadlineSeconds
        self.logger = logger
    }

    /// A third of the shortest deadline Pub/Sub allows (10 s), whatever Entitle asks for: a
    /// message arrives with the subscription's own deadline, which may be that short, and must
    /// be extended before it runs out (a third of Entitle's 60 s would be too late).
    var period: Duration { .seconds(max(1, min(deadlineSeconds, 10) / 3)) }

    func hold(_ ackID: String) { held.withLock { $0[ackID] = .now } }

    /// Done with it: no more extensions. Called before the message is acked or handed back, so a
    /// hand-back's own deadline is not overwritten by a later round (one already on its way
    /// may still land: the message then comes back after the full deadline instead).
    func release(_ ackID: String) { _ = held.withLock { $0.removeValue(forKey: ackID) } }

    /// Extends, every `period` until cancelled, the leases of messages held for at least a period.
    func run() async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: period) } catch { return }
            let due = ContinuousClock.now - period
            let ids = held.withLock { $0.filter { $0.value <= due }.map(\.key) }
            for start in stride(from: 0, to: ids.count, by: 1000) {
                let chunk = Array(ids[start..<min(start + 1000, ids.count)])
                do {
                    try await pubsub.modifyAckDeadline(subscription, ackIDs: chunk, seconds: deadlineSeconds)
                } catch {
                    // The lease has a third left; the next round tries again.
                    logger.warning(
                        "extending leases failed",
                        metadata: ["error": "\(error)", "ackIds": "\(chunk.count)"]
                    )
                }
            }
        }
    }
}
