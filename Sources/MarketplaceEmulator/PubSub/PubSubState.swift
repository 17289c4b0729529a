import Foundation
import MarketplaceCore

/// Topics and subscriptions with Pub/Sub's delivery rules (contract §6): at least once, ack
/// deadlines, redelivery after expiry or a nack, `deliveryAttempt` when a dead-letter policy is set.
/// A value inside `EmulatorState`; time is always passed in.
struct PubSubState: Sendable {
    struct Subscription: Sendable {
        var config: SubscriptionJSON
        var ready: [Queued] = []
        var leased: [String: Lease] = [:]
        var ackDeadlineSeconds: Int { config.ackDeadlineSeconds ?? 10 }
    }

    struct Queued: Sendable {
        var message: PubsubMessageJSON
        /// Deliveries so far (nacks and expiries included).
        var attempts: Int
    }

    struct Lease: Sendable {
        var queued: Queued
        var deadline: Timestamp
    }

    private(set) var topics: [String: TopicJSON] = [:]
    private(set) var subscriptions: [String: Subscription] = [:]
    private var messageCounter = 0
    private var ackCounter = 0

    mutating func createTopic(_ name: String) {
        topics[name] = topics[name] ?? TopicJSON(name: name)
    }

    func topic(_ name: String) throws(GoogleAPIError) -> TopicJSON {
        guard let topic = topics[name] else { throw .notFound("Resource not found (resource=\(name)).") }
        return topic
    }

    /// Publishes to every subscription of the topic; returns the message id.
    mutating func publish(topic: String, data: Data, attributes: [String: String], now: Timestamp) -> String? {
        guard topics[topic] != nil else { return nil }
        messageCounter += 1
        let id = String(messageCounter)
        let message = PubsubMessageJSON(
            data: data.base64EncodedString(),
            attributes: attributes.isEmpty ? nil : attributes,
            messageId: id,
            publishTime: now.rfc3339
        )
        for (name, subscription) in subscriptions where subscription.config.topic == topic {
            subscriptions[name]?.ready.append(Queued(message: message, attempts: 0))
        }
        return id
    }

    mutating func createSubscription(_ name: String, _ request: SubscriptionJSON) throws(GoogleAPIError) -> SubscriptionJSON {
        guard subscriptions[name] == nil else { throw .alreadyExists("Resource already exists in the project (resource=\(name)).") }
        guard let topic = request.topic, topics[topic] != nil else {
            throw .notFound("Resource not found (resource=\(request.topic ?? "")).")
        }
        var config = request
        config.name = name
        switch request.ackDeadlineSeconds ?? 0 {
        case 0: config.ackDeadlineSeconds = 10
        case 10...600: break
        default: throw .invalidArgument("Invalid ack deadline given: \(request.ackDeadlineSeconds ?? 0); must be 10 to 600 seconds.")
        }
        if let attempts = request.deadLetterPolicy?.maxDeliveryAttempts, !(5...100).contains(attempts) {
            throw .invalidArgument("maxDeliveryAttempts must be between 5 and 100.")
        }
        subscriptions[name] = Subscription(config: config)
        return config
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
    mutating func pull(_ name: String, maxMessages: Int, now: Timestamp) throws(GoogleAPIError) -> [ReceivedMessageJSON] {
        guard maxMessages > 0 else { throw .invalidArgument("maxMessages must be greater than 0.") }
        var subscription = try subscription(name)
        expireLeases(&subscription, now: now)
        let taken = subscription.ready.prefix(maxMessages)
        subscription.ready.removeFirst(taken.count)
        var received: [ReceivedMessageJSON] = []
        for var queued in taken {
            queued.attempts += 1
            ackCounter += 1
            let ackID = "ack-\(ackCounter)-\(queued.message.messageId ?? "")"
            subscription.leased[ackID] = Lease(queued: queued, deadline: now.adding(seconds: Int64(subscription.ackDeadlineSeconds)))
            // contract §6: deliveryAttempt is populated only when a dead-letter policy exists.
            let attempt = subscription.config.deadLetterPolicy == nil ? nil : queued.attempts
            received.append(ReceivedMessageJSON(ackId: ackID, message: queued.message, deliveryAttempt: attempt))
        }
        subscriptions[name] = subscription
        return received
    }

    /// Whether a pull would find something now.
    func hasAvailable(_ name: String, now: Timestamp) -> Bool {
        guard let subscription = subscriptions[name] else { return false }
        return !subscription.ready.isEmpty || subscription.leased.values.contains { $0.deadline <= now }
    }

    /// Acks are idempotent: an unknown or already-acked id is not an error (contract §6).
    mutating func acknowledge(_ name: String, ackIDs: [String]) throws(GoogleAPIError) {
        guard !ackIDs.isEmpty else { throw .invalidArgument("ackIds must not be empty.") }
        _ = try subscription(name)
        for ackID in ackIDs { subscriptions[name]?.leased[ackID] = nil }
    }

    /// 0 hands the messages back at once (a nack); otherwise the lease runs `seconds` from now.
    mutating func modifyAckDeadline(_ name: String, ackIDs: [String], seconds: Int, now: Timestamp) throws(GoogleAPIError) {
        guard !ackIDs.isEmpty else { throw .invalidArgument("ackIds must not be empty.") }
        guard (0...600).contains(seconds) else {
            throw .invalidArgument("Invalid ack deadline given: \(seconds); must be 0 to 600 seconds.")
        }
        var subscription = try subscription(name)
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
        subscriptions[name] = subscription
    }

    /// Un-acked messages whose lease ran out go back to the front of the queue for redelivery.
    private func expireLeases(_ subscription: inout Subscription, now: Timestamp) {
        let expired = subscription.leased.filter { $0.value.deadline <= now }
        guard !expired.isEmpty else { return }
        for ackID in expired.keys { subscription.leased[ackID] = nil }
        let requeued = expired.values.sorted { Int($0.queued.message.messageId ?? "") ?? 0 < Int($1.queued.message.messageId ?? "") ?? 0 }
        subscription.ready.insert(contentsOf: requeued.map(\.queued), at: 0)
    }
}
