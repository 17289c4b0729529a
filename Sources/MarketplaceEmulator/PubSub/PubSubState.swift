import Foundation
import MarketplaceCore

/// Topics and subscriptions with Pub/Sub's delivery rules (contract §6): at least once, ack
/// deadlines, redelivery after expiry or a nack, `deliveryAttempt` when a dead-letter policy is set.
/// A value inside `EmulatorState`; time is always passed in.
struct PubSubState: Codable, Sendable {
    struct Subscription: Codable, Sendable {
        var config: SubscriptionJSON
        var ready: [Queued] = []
        var leased: [String: Lease] = [:]
        /// Held back by the fault plan; delivered after the next message (out of order).
        var held: [Queued] = []
        /// As `setIamPolicy` last set it (the emulator grants everything whatever it says).
        var iamPolicy: JSONValue?
        var ackDeadlineSeconds: Int { config.ackDeadlineSeconds ?? 10 }

        /// As Pub/Sub answers it: a pull subscription has an empty `pushConfig`, not none.
        var wire: SubscriptionJSON {
            var wire = config
            wire.pushConfig = wire.pushConfig ?? PushConfigJSON()
            return wire
        }
    }

    struct Queued: Codable, Sendable {
        var message: PubsubMessageJSON
        /// Deliveries so far (nacks and expiries included).
        var attempts: Int
        /// A push that failed waits out its backoff before the next attempt.
        var notBefore: Timestamp? = nil
    }

    struct Lease: Codable, Sendable {
        var queued: Queued
        var deadline: Timestamp
    }

    var topics: [String: TopicJSON] = [:]
    var subscriptions: [String: Subscription] = [:]
    private var messageCounter = 0
    var ackCounter = 0

    mutating func createTopic(_ name: String) {
        topics[name] = topics[name] ?? TopicJSON(name: name)
    }

    func topic(_ name: String) throws(GoogleAPIError) -> TopicJSON {
        guard let topic = topics[name] else { throw .notFound("Resource not found (resource=\(name)).") }
        return topic
    }

    /// Publishes to every subscription of the topic; returns the message id. The fault plan may
    /// `duplicate` it (the same messageId twice) or `hold` it back until the next message.
    mutating func publish(
        topic: String,
        data: Data,
        attributes: [String: String],
        orderingKey: String? = nil,
        now: Timestamp,
        duplicate: Bool = false,
        hold: Bool = false
    ) -> String? {
        guard topics[topic] != nil else { return nil }
        messageCounter += 1
        let id = String(messageCounter)
        let message = PubsubMessageJSON(
            data: data.base64EncodedString(),
            attributes: attributes.isEmpty ? nil : attributes,
            messageId: id,
            publishTime: now.rfc3339,
            orderingKey: orderingKey
        )
        let copies = Array(repeating: Queued(message: message, attempts: 0), count: duplicate ? 2 : 1)
        // Names first: holding a subscription value while appending to the stored one would make
        // copy-on-write copy its whole queue on every publish.
        let names = subscriptions.keys.filter { subscriptions[$0]?.config.topic == topic }
        for name in names {
            try? mutate(name) { (subscription: inout Subscription) throws(GoogleAPIError) in
                if hold {
                    subscription.held += copies
                } else {
                    subscription.ready += copies + subscription.held
                    subscription.held = []
                }
            }
        }
        return id
    }

    mutating func createSubscription(
        _ name: String,
        _ request: SubscriptionJSON
    ) throws(GoogleAPIError) -> SubscriptionJSON {
        guard subscriptions[name] == nil else {
            throw .alreadyExists("Resource already exists in the project (resource=\(name)).")
        }
        guard let topic = request.topic, !topic.isEmpty else {
            throw .invalidArgument("Invalid [topics] name: (name=)")
        }
        guard topics[topic] != nil else { throw .notFound("Resource not found (resource=\(topic)).") }
        var config = request
        config.name = name
        config.state = "ACTIVE"
        // Pub/Sub's default: unacknowledged messages are kept 7 days.
        config.messageRetentionDuration = request.messageRetentionDuration ?? "604800s"
        switch request.ackDeadlineSeconds ?? 0 {
        case 0: config.ackDeadlineSeconds = 10
        case 10...600: break
        default:
            throw .invalidArgument(
                "Invalid ack deadline given: \(request.ackDeadlineSeconds ?? 0); must be 10 to 600 seconds."
            )
        }
        if let attempts = request.deadLetterPolicy?.maxDeliveryAttempts, !(5...100).contains(attempts) {
            throw .invalidArgument("maxDeliveryAttempts must be between 5 and 100.")
        }
        try Self.validate(request.pushConfig)
        if let policy = request.retryPolicy {
            for backoff in [policy.minimumBackoff, policy.maximumBackoff] where backoff != nil {
                guard let seconds = Self.seconds(backoff), (0...600).contains(seconds) else {
                    throw .invalidArgument(
                        "Invalid retry policy backoff \(backoff ?? ""); must be between 0s and 600s."
                    )
                }
            }
        }
        if config.pushConfig?.pushEndpoint?.isEmpty != false { config.pushConfig = nil }
        subscriptions[name] = Subscription(config: config)
        return Subscription(config: config).wire
    }

    func subscription(_ name: String) throws(GoogleAPIError) -> Subscription {
        guard let subscription = subscriptions[name] else { throw .notFound("Resource not found (resource=\(name)).") }
        return subscription
    }

    mutating func deleteSubscription(_ name: String) throws(GoogleAPIError) {
        _ = try subscription(name)
        subscriptions[name] = nil
    }

    /// Hands out up to `maxMessages` available messages under a new lease each.
    mutating func pull(_ name: String, maxMessages: Int, now: Timestamp) throws(GoogleAPIError) -> [ReceivedMessageJSON]
    {
        guard maxMessages > 0 else { throw .invalidArgument("maxMessages must be greater than 0.") }
        var counter = ackCounter
        defer { ackCounter = counter }
        return try mutate(name) { (subscription: inout Subscription) throws(GoogleAPIError) in
            Self.lease(&subscription, maxMessages: maxMessages, now: now, counter: &counter)
        }
    }

    static func lease(
        _ subscription: inout Subscription,
        maxMessages: Int,
        now: Timestamp,
        counter: inout Int
    ) -> [ReceivedMessageJSON] {
        expireLeases(&subscription, now: now)
        if subscription.ready.isEmpty {
            // Nothing newer came: held messages are not kept from the subscriber for ever.
            subscription.ready = subscription.held
            subscription.held = []
        }
        let taken: [Queued]
        if subscription.ready.contains(where: { $0.notBefore.map { $0 > now } ?? false }) {
            // Only push retries wait; the rest are taken in order around them.
            var due: [Queued] = []
            var waiting: [Queued] = []
            for queued in subscription.ready {
                if due.count < maxMessages, queued.notBefore.map({ $0 <= now }) ?? true {
                    due.append(queued)
                } else {
                    waiting.append(queued)
                }
            }
            taken = due
            subscription.ready = waiting
        } else {
            taken = Array(subscription.ready.prefix(maxMessages))
            subscription.ready.removeFirst(taken.count)
        }
        var received: [ReceivedMessageJSON] = []
        for var queued in taken {
            queued.attempts += 1
            counter += 1
            let ackID = "ack-\(counter)-\(queued.message.messageId ?? "")"
            subscription.leased[ackID] = Lease(
                queued: queued,
                deadline: now.adding(seconds: Int64(subscription.ackDeadlineSeconds))
            )
            // contract §6: deliveryAttempt is populated only when a dead-letter policy exists.
            let attempt = subscription.config.deadLetterPolicy == nil ? nil : queued.attempts
            received.append(ReceivedMessageJSON(ackId: ackID, message: queued.message, deliveryAttempt: attempt))
        }
        return received
    }

    /// Runs `body` on the stored subscription in place (taken out of the dictionary meanwhile, so
    /// its queues are uniquely referenced and not copied).
    mutating func mutate<Result>(
        _ name: String,
        _ body: (inout Subscription) throws(GoogleAPIError) -> Result
    ) throws(GoogleAPIError) -> Result {
        guard var subscription = subscriptions.removeValue(forKey: name) else {
            throw .notFound("Resource not found (resource=\(name)).")
        }
        defer { subscriptions[name] = subscription }
        return try body(&subscription)
    }

    /// Acks are idempotent: an unknown or already-acked id is not an error (contract §6).
    /// An ack id this emulator could have issued (`ack-N-messageId`); an expired or used one is
    /// fine (Pub/Sub ignores it), one of another form is a 400, as Pub/Sub answers it.
    static func validate(ackIDs: [String]) throws(GoogleAPIError) {
        guard !ackIDs.isEmpty else { throw .invalidArgument("ackIds must not be empty.") }
        for ackID in ackIDs {
            let parts = ackID.split(separator: "-", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, parts[0] == "ack", Int(parts[1]) != nil else {
                throw .invalidArgument("You have passed an invalid ack ID to the service (ack_id=\(ackID)).")
            }
        }
    }

    mutating func acknowledge(_ name: String, ackIDs: [String]) throws(GoogleAPIError) {
        try Self.validate(ackIDs: ackIDs)
        try mutate(name) { (subscription: inout Subscription) throws(GoogleAPIError) in
            for ackID in ackIDs { subscription.leased[ackID] = nil }
        }
    }

    /// 0 hands the messages back at once (a nack); otherwise the lease runs `seconds` from now.
    mutating func modifyAckDeadline(
        _ name: String,
        ackIDs: [String],
        seconds: Int,
        now: Timestamp
    ) throws(GoogleAPIError) {
        try Self.validate(ackIDs: ackIDs)
        guard (0...600).contains(seconds) else {
            throw .invalidArgument("Invalid ack deadline given: \(seconds); must be 0 to 600 seconds.")
        }
        try mutate(name) { (subscription: inout Subscription) throws(GoogleAPIError) in
            for ackID in ackIDs {
                guard var lease = subscription.leased[ackID] else { continue }
                if seconds == 0 {
                    subscription.leased[ackID] = nil
                    subscription.ready.insert(lease.queued, at: 0)
                } else {
                    lease.deadline = now.adding(seconds: Int64(seconds))
                    subscription.leased[ackID] = lease
                }
            }
        }
    }

    /// Un-acked messages whose lease ran out go back to the front of the queue for redelivery.
    private static func expireLeases(_ subscription: inout Subscription, now: Timestamp) {
        let expired = subscription.leased.filter { $0.value.deadline <= now }
        guard !expired.isEmpty else { return }
        for ackID in expired.keys { subscription.leased[ackID] = nil }
        let requeued = expired.values.sorted {
            Int($0.queued.message.messageId ?? "") ?? 0 < Int($1.queued.message.messageId ?? "") ?? 0
        }
        subscription.ready.insert(contentsOf: requeued.map(\.queued), at: 0)
    }
}
