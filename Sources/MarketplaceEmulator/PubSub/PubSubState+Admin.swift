import Foundation
import MarketplaceCore

/// Pub/Sub's administrative calls beyond create/get (contract §6, Pub/Sub's discovery document):
/// `topics.list`, `topics.delete`, `topics.subscriptions.list`, `subscriptions.list`,
/// `subscriptions.patch`. Lists are in name order, paged by `pageSize` and `pageToken`.
extension PubSubState {
    /// A subscription whose topic was deleted keeps working, naming this topic (as Pub/Sub does).
    static let deletedTopic = "_deleted-topic_"

    struct Page<Item> {
        var items: [Item]
        var nextPageToken: String?
    }

    static func page<Item>(_ all: [Item], size: Int?, token: String?) throws(GoogleAPIError) -> Page<Item> {
        let start =
            try token.map { (text: String) throws(GoogleAPIError) -> Int in
                guard let start = Int(text), (0...all.count).contains(start) else {
                    throw .invalidArgument("Invalid page token: \(text).")
                }
                return start
            } ?? 0
        guard (size ?? 0) >= 0 else { throw .invalidArgument("pageSize must not be negative.") }
        let size = size.flatMap { $0 == 0 ? nil : $0 } ?? 100
        let end = min(all.count, start + size)
        return Page(items: Array(all[start..<end]), nextPageToken: end < all.count ? String(end) : nil)
    }

    func topics(project: String) -> [TopicJSON] {
        topics.filter { $0.key.hasPrefix("projects/\(project)/topics/") }.sorted { $0.key < $1.key }.map(\.value)
    }

    func subscriptions(project: String) -> [SubscriptionJSON] {
        subscriptions.filter { $0.key.hasPrefix("projects/\(project)/subscriptions/") }.sorted { $0.key < $1.key }.map(
            \.value.wire
        )
    }

    func subscriptionNames(topic: String) throws(GoogleAPIError) -> [String] {
        _ = try self.topic(topic)
        return subscriptions.filter { $0.value.config.topic == topic }.keys.sorted()
    }

    mutating func deleteTopic(_ name: String) throws(GoogleAPIError) {
        _ = try topic(name)
        topics[name] = nil
        for (key, subscription) in subscriptions where subscription.config.topic == name {
            subscriptions[key]?.config.topic = Self.deletedTopic
        }
    }

    /// The fields of `patch` named by `updateMask` (comma-separated), checked as creation checks them.
    mutating func patchSubscription(
        _ name: String,
        _ patch: SubscriptionJSON,
        updateMask: String?
    ) throws(GoogleAPIError) -> SubscriptionJSON {
        let mutable: Set<String> = [
            "ackDeadlineSeconds", "pushConfig", "deadLetterPolicy", "retryPolicy", "messageRetentionDuration", "labels",
            "enableExactlyOnceDelivery",
        ]
        let paths = (updateMask ?? "").split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        guard !paths.isEmpty else {
            throw .invalidArgument("The update_mask in the UpdateSubscriptionRequest must be set.")
        }
        if let refused = paths.first(where: { !mutable.contains($0) }) {
            throw .invalidArgument(
                "Invalid update_mask provided in the UpdateSubscriptionRequest: the field path \(refused) is not allowed."
            )
        }
        var config = try subscription(name).config
        for path in paths {
            switch path {
            case "ackDeadlineSeconds":
                let seconds = patch.ackDeadlineSeconds ?? 10
                guard (10...600).contains(seconds) else {
                    throw .invalidArgument("Invalid ack deadline given: \(seconds); must be 10 to 600 seconds.")
                }
                config.ackDeadlineSeconds = seconds
            case "pushConfig":
                try Self.validate(patch.pushConfig)
                config.pushConfig = patch.pushConfig?.pushEndpoint?.isEmpty == false ? patch.pushConfig : nil
            case "deadLetterPolicy":
                if let attempts = patch.deadLetterPolicy?.maxDeliveryAttempts, !(5...100).contains(attempts) {
                    throw .invalidArgument("maxDeliveryAttempts must be between 5 and 100.")
                }
                config.deadLetterPolicy = patch.deadLetterPolicy
            case "retryPolicy": config.retryPolicy = patch.retryPolicy
            case "messageRetentionDuration":
                config.messageRetentionDuration = patch.messageRetentionDuration ?? "604800s"
            case "labels": config.labels = patch.labels
            default: config.enableExactlyOnceDelivery = patch.enableExactlyOnceDelivery
            }
        }
        subscriptions[name]?.config = config
        return try subscription(name).wire
    }
}
