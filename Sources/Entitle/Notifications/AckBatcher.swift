import GoogleCloud
import Logging

/// Acknowledgements gathered for a moment and sent together: one `acknowledge` per
/// `interval` (or per `maxBatch` ids) for all workers, instead of one per notification. An id is
/// added only after its notification was committed, so batching delays an ack, never moves it
/// before the commit; an ack lost to a crash or a failed request makes Pub/Sub deliver the message
/// again, which the inbox answers as a duplicate.
actor AckBatcher {
    let pubsub: PubSubClient
    let subscription: String
    let interval: Duration
    let maxBatch: Int
    let logger: Logger
    private var pending: [String] = []
    /// Requests sent; the tests and the bench read it.
    private(set) var requests = 0

    init(
        pubsub: PubSubClient,
        subscription: String,
        interval: Duration = .milliseconds(25),
        maxBatch: Int = 1000,
        logger: Logger
    ) {
        self.pubsub = pubsub
        self.subscription = subscription
        self.interval = interval
        self.maxBatch = maxBatch
        self.logger = logger
    }

    func add(_ ackID: String) async {
        pending.append(ackID)
        if pending.count >= maxBatch { await flush() }
    }

    /// Sends what is pending every `interval` until cancelled (the owner flushes the rest itself,
    /// outside the cancelled task, so that the last request is not cancelled with it).
    func run() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            // The owner cancels this loop at shutdown: a request then still being prepared (its
            // token fetched) would be dropped with its acks, so it is finished in a task of its own.
            if !Task.isCancelled, !pending.isEmpty { await Task { await flush() }.value }
        }
    }

    func flush() async {
        guard !pending.isEmpty else { return }
        let ids = pending
        pending = []
        requests += 1
        do {
            try await pubsub.acknowledge(subscription, ackIDs: ids)
        } catch {
            // Committed already: the redeliveries will be duplicates, skipped by the inbox.
            logger.warning("ack failed", metadata: ["error": "\(error)", "ackIds": "\(ids.count)"])
        }
    }
}
