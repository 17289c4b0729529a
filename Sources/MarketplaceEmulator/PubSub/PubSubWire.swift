/// Pub/Sub REST v1 bodies as the discovery document names them (contract §6). The emulator's own
/// copies, written from the discovery document, not shared with Entitle's client.
struct PubsubMessageJSON: Codable, Hashable, Sendable {
    var data: String?
    var attributes: [String: String]?
    var messageId: String?
    var publishTime: String?
    var orderingKey: String?
}

struct PublishRequestJSON: Codable {
    var messages: [PubsubMessageJSON]?
}

struct TopicListJSON: Codable {
    var topics: [TopicJSON]?
    var nextPageToken: String?
}

struct SubscriptionListJSON: Codable {
    var subscriptions: [SubscriptionJSON]?
    var nextPageToken: String?
}

/// `topics.subscriptions.list`: names only.
struct TopicSubscriptionsJSON: Codable {
    var subscriptions: [String]?
    var nextPageToken: String?
}

struct UpdateSubscriptionRequestJSON: Codable {
    var subscription: SubscriptionJSON?
    var updateMask: String?
}

struct PublishResponseJSON: Codable {
    var messageIds: [String]
}

struct TopicJSON: Codable {
    var name: String?
    var labels: [String: String]?
}

struct SubscriptionJSON: Codable, Hashable, Sendable {
    var name: String?
    var topic: String?
    var ackDeadlineSeconds: Int?
    var pushConfig: PushConfigJSON?
    var deadLetterPolicy: DeadLetterPolicyJSON?
    var retryPolicy: RetryPolicyJSON?
    var messageRetentionDuration: String?
    var labels: [String: String]?
    var enableMessageOrdering: Bool?
    var enableExactlyOnceDelivery: Bool?
    var filter: String?
    /// Output only: `ACTIVE` (the emulator's subscriptions never lose their topic's permission).
    var state: String?
}

struct PushConfigJSON: Codable, Hashable, Sendable {
    var pushEndpoint: String?
    var attributes: [String: String]?
    var oidcToken: OidcTokenJSON?
    var noWrapper: NoWrapperJSON?
}

struct NoWrapperJSON: Codable, Hashable, Sendable {
    var writeMetadata: Bool?
}

/// Backoffs are Duration strings (`"10s"`, `"0.5s"`).
struct RetryPolicyJSON: Codable, Hashable, Sendable {
    var minimumBackoff: String?
    var maximumBackoff: String?
}

struct ModifyPushConfigRequestJSON: Codable {
    var pushConfig: PushConfigJSON?
}

/// The body of a wrapped push request (contract §6). Google writes the message's id and publish
/// time a second time in snake_case; receivers in the wild read either spelling.
struct PushEnvelopeJSON: Codable {
    struct Message: Codable {
        var data: String?
        var attributes: [String: String]?
        var messageId: String?
        var message_id: String?
        var publishTime: String?
        var publish_time: String?
    }

    var message: Message
    var subscription: String
    var deliveryAttempt: Int?
}

struct OidcTokenJSON: Codable, Hashable, Sendable {
    var serviceAccountEmail: String?
    var audience: String?
}

struct DeadLetterPolicyJSON: Codable, Hashable, Sendable {
    var deadLetterTopic: String?
    var maxDeliveryAttempts: Int?
}

struct PullRequestJSON: Codable {
    var maxMessages: Int?
    var returnImmediately: Bool?
}

struct PullResponseJSON: Codable {
    var receivedMessages: [ReceivedMessageJSON]?
}

struct ReceivedMessageJSON: Codable, Hashable, Sendable {
    var ackId: String
    var message: PubsubMessageJSON
    var deliveryAttempt: Int?
}

struct AcknowledgeRequestJSON: Codable {
    var ackIds: [String]?
}

struct ModifyAckDeadlineRequestJSON: Codable {
    var ackIds: [String]?
    var ackDeadlineSeconds: Int?
}
