public import GoogleCloud
public import Logging
public import ServiceLifecycle

/// Pulls Marketplace notifications (REST pull, contract §6) with `workers` concurrent loops that
/// pull continuously, a batch of up to `batchSize` as soon as there is room, so at most
/// `workers × batchSize` are in flight (`PullFlowControl`). Leases of messages in hand are
/// extended together (`MessageLeases`); a message is acked only after its commit, in batches
/// with the other loops' (`AckBatcher`). On a failure it is handed back to come again after a growing delay, and dead-lettered
/// (kept, acked) once it has failed too often (`NotificationProcessor.failed`). On graceful shutdown pulling stops and
/// messages in hand are finished.
public struct PubSubPullService: Service {
    public struct Settings: Sendable {
        public var subscription: String
        public var workers: Int
        public var batchSize: Int
        /// The lease each extension asks for (`MessageLeases` extends every 3 s, or a third of this when shorter).
        public var ackDeadlineSeconds: Int
        /// Sandbox mode: create the subscription on this topic before pulling (an existing one is kept).
        public var createOnTopic: String?
        /// How long committed notifications' acks are gathered before one `acknowledge` sends them.
        public var ackInterval: Duration = .milliseconds(25)

        public init(
            subscription: String,
            workers: Int = 4,
            batchSize: Int = 10,
            ackDeadlineSeconds: Int = 60,
            createOnTopic: String? = nil
        ) {
            self.subscription = subscription
            self.workers = workers
            self.batchSize = batchSize
            self.ackDeadlineSeconds = ackDeadlineSeconds
            self.createOnTopic = createOnTopic
        }
    }

    let pubsub: PubSubClient
    let processor: NotificationProcessor
    let settings: Settings
    let readiness: Readiness
    let logger: Logger

    public init(
        pubsub: PubSubClient,
        processor: NotificationProcessor,
        settings: Settings,
        readiness: Readiness = Readiness(),
        logger: Logger = Logger(label: "entitle.pull")
    ) {
        self.pubsub = pubsub
        self.processor = processor
        self.settings = settings
        self.readiness = readiness
        self.logger = logger
    }

    public func run() async throws {
        if let topic = settings.createOnTopic { try await createSubscription(on: topic) }
        logger.info(
            "pulling",
            metadata: ["subscription": "\(settings.subscription)", "workers": "\(settings.workers)"]
        )
        let acks = AckBatcher(
            pubsub: pubsub,
            subscription: settings.subscription,
            interval: settings.ackInterval,
            logger: logger
        )
        let leases = MessageLeases(
            pubsub: pubsub,
            subscription: settings.subscription,
            deadlineSeconds: settings.ackDeadlineSeconds,
            logger: logger
        )
        let flow = PullFlowControl(capacity: max(1, settings.workers) * max(1, settings.batchSize))
        let sender = Task { await acks.run() }
        let extender = Task { await leases.run() }
        await withDiscardingTaskGroup { group in
            for _ in 0..<max(1, settings.workers) { group.addTask { await pullLoop(flow, leases, acks) } }
        }
        // The loops finished the messages in hand: their acks go out before the service ends.
        extender.cancel()
        sender.cancel()
        await sender.value
        await acks.flush()
        logger.info("stopped pulling")
    }

    /// Creates the subscription, waiting for Pub/Sub to be reachable (the in-process emulator may
    /// still be starting); 409 ALREADY_EXISTS is fine.
    private func createSubscription(on topic: String) async throws {
        while !Task.isShuttingDownGracefully {
            do {
                try await pubsub.createSubscription(
                    settings.subscription,
                    PubSubSubscription(topic: topic, ackDeadlineSeconds: settings.ackDeadlineSeconds)
                )
                return
            } catch let error as GoogleAPIError where error.httpStatus == 409 {
                return
            } catch {
                logger.info("waiting for Pub/Sub", metadata: ["error": "\(error)"])
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    /// Pulls continuously: as soon as there is room for a batch (`PullFlowControl`), whatever
    /// the messages pulled before are doing; each message is handled in a task of its own.
    private func pullLoop(_ flow: PullFlowControl, _ leases: MessageLeases, _ acks: AckBatcher) async {
        let batch = max(1, settings.batchSize)
        await withDiscardingTaskGroup { group in
            var failures = 0
            while !Task.isShuttingDownGracefully, !Task.isCancelled {
                await flow.reserve(batch)
                let received: [ReceivedMessage]
                do {
                    received = try await cancelWhenGracefulShutdown { [pubsub, settings] in
                        try await pubsub.pull(settings.subscription, maxMessages: batch)
                    }
                    failures = 0
                    readiness.set("subscription", problem: nil)
                } catch {
                    await flow.release(batch)
                    if Task.isShuttingDownGracefully || Task.isCancelled { return }
                    failures += 1
                    // Refused (no such subscription, no permission, a bad name): not ready until it passes.
                    if let error = error as? GoogleAPIError, [400, 401, 403, 404].contains(error.httpStatus) {
                        readiness.set("subscription", problem: "pulling \(settings.subscription) is refused: \(error)")
                    }
                    // The client already retried; wait longer the longer Pub/Sub stays away.
                    let wait = Duration.milliseconds(min(30_000, 250 << min(failures, 7)))
                    logger.error("pull failed", metadata: ["error": "\(error)", "retryIn": "\(wait)"])
                    try? await Task.sleep(for: wait)
                    continue
                }
                if received.count < batch { await flow.release(batch - received.count) }
                for message in received {
                    leases.hold(message.ackId)
                    group.addTask {
                        await LogContext.with(["messageId": "\(message.message.messageId ?? "")"]) {
                            await handle(message, leases, acks)
                        }
                        await flow.release(1)
                    }
                }
            }
        }
    }

    private func handle(_ received: ReceivedMessage, _ leases: MessageLeases, _ acks: AckBatcher) async {
        do {
            _ = try await processor.handle(
                data: received.message.data,
                messageID: received.message.messageId,
                attributes: received.message.attributes ?? [:],
                publishTime: received.message.publishTime
            )
            leases.release(received.ackId)
            await acks.add(received.ackId)
        } catch {
            leases.release(received.ackId)
            // Handed back with a growing delay (the ack deadline is when Pub/Sub offers it again),
            // or, after too many attempts, dead-lettered and acked.
            let decision = try? await processor.failed(
                data: received.message.data,
                messageID: received.message.messageId,
                attributes: received.message.attributes ?? [:],
                error: error
            )
            switch decision ?? .retry(afterSeconds: processor.retry.initialSeconds) {
            case .retry(let seconds):
                try? await pubsub.modifyAckDeadline(settings.subscription, ackIDs: [received.ackId], seconds: seconds)
            case .deadLettered: await acks.add(received.ackId)
            }
        }
    }
}
