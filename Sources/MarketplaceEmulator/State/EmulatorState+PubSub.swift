import Foundation
import MarketplaceCore

/// Pub/Sub calls, each one atomic step of the emulator's state.
extension EmulatorState {
    func createTopic(_ name: String) throws(GoogleAPIError) -> TopicJSON {
        guard pubsub.topics[name] == nil else {
            throw .alreadyExists("Resource already exists in the project (resource=\(name)).")
        }
        pubsub.createTopic(name)
        return try pubsub.topic(name)
    }

    func publish(topic: String, _ messages: [(Data, [String: String], String?)]) throws(GoogleAPIError) -> [String] {
        _ = try pubsub.topic(topic)
        let time = now
        return messages.compactMap {
            pubsub.publish(topic: topic, data: $0.0, attributes: $0.1, orderingKey: $0.2, now: time)
        }
    }

    func createSubscription(_ name: String, _ request: SubscriptionJSON) throws(GoogleAPIError) -> SubscriptionJSON {
        try pubsub.createSubscription(name, request)
    }

    func deleteTopic(_ name: String) throws(GoogleAPIError) {
        try pubsub.deleteTopic(name)
    }

    func patchSubscription(
        _ name: String,
        _ patch: SubscriptionJSON,
        updateMask: String?
    ) throws(GoogleAPIError) -> SubscriptionJSON {
        try pubsub.patchSubscription(name, patch, updateMask: updateMask)
    }

    func deleteSubscription(_ name: String) throws(GoogleAPIError) {
        try pubsub.deleteSubscription(name)
    }

    func pull(_ name: String, maxMessages: Int) throws(GoogleAPIError) -> [ReceivedMessageJSON] {
        // A long poll calls this repeatedly while time passes, after the middleware ran once.
        applyDueChanges()
        return try pubsub.pull(name, maxMessages: maxMessages, now: now)
    }

    /// The fault plan may lose acks: answered 200, but the message comes again after its deadline.
    func acknowledge(_ name: String, ackIDs: [String]) throws(GoogleAPIError) {
        guard !ackIDs.isEmpty else { throw .invalidArgument("ackIds must not be empty.") }
        _ = try pubsub.subscription(name)
        let kept = ackIDs.filter { _ in !faultRandom.chance(faults.lostAckRate) }
        if !kept.isEmpty { try pubsub.acknowledge(name, ackIDs: kept) }
    }

    /// The forwarder's acks: the emulator's own plumbing, so the fault plan does not lose them.
    func acknowledgeForwarded(_ ackIDs: [String]) {
        try? pubsub.acknowledge(ExternalPubSubForwarder.forwardSubscription, ackIDs: ackIDs)
    }

    func modifyAckDeadline(_ name: String, ackIDs: [String], seconds: Int) throws(GoogleAPIError) {
        try pubsub.modifyAckDeadline(name, ackIDs: ackIDs, seconds: seconds, now: now)
    }
}

/// Push delivery's steps (contract §6), run by `PushDeliverer`.
extension EmulatorState {
    func takePushDeliveries() -> [PubSubState.PushDelivery] {
        // Polled often: costs nothing until someone configures a push subscription.
        guard pubsub.hasPushSubscriptions else { return [] }
        applyDueChanges()
        return pubsub.takePushDeliveries(now: now)
    }

    /// The endpoint answered: a success acks the lease, anything else hands the message back.
    func finishPush(_ delivery: PubSubState.PushDelivery, delivered: Bool) {
        if delivered {
            try? pubsub.acknowledge(delivery.subscription, ackIDs: [delivery.ackID])
        } else {
            pubsub.pushFailed(delivery.subscription, ackID: delivery.ackID, now: now)
        }
    }

    func setIamPolicy(_ name: String, _ policy: JSONValue) throws(GoogleAPIError) -> JSONValue {
        try pubsub.setIamPolicy(name, policy)
    }

    func modifyPushConfig(_ name: String, _ pushConfig: PushConfigJSON?) throws(GoogleAPIError) {
        try pubsub.modifyPushConfig(name, pushConfig)
    }
}
