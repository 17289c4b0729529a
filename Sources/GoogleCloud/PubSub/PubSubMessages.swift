public import Foundation
public import MarketplaceCore

/// A Pub/Sub message as pull hands it out (contract §6). `data` is nil when the base64 text
/// does not decode, so that one bad message never fails a whole batch: the caller records it
/// as poison and acks it.
public struct PubSubMessage: Codable, Hashable, Sendable {
    /// The `data` field as sent (base64).
    public var dataBase64: String?
    public var attributes: [String: String]?
    public var messageId: String?
    public var publishTime: Timestamp?
    public var orderingKey: String?

    public var data: Data? { dataBase64.map { Data(base64Encoded: $0) } ?? Data() }

    public init(data: Data, attributes: [String: String]? = nil, orderingKey: String? = nil) {
        dataBase64 = data.base64EncodedString()
        self.attributes = attributes
        self.orderingKey = orderingKey
    }

    enum CodingKeys: String, CodingKey {
        case dataBase64 = "data"
        case attributes, messageId, publishTime, orderingKey
    }
}

public struct ReceivedMessage: Codable, Hashable, Sendable {
    public var ackId: String
    public var message: PubSubMessage
    /// 1 + nacks + expiries; only with a dead-letter policy (contract §6).
    public var deliveryAttempt: Int?
}

/// The parts of a subscription Entitle sets and reads.
public struct PubSubSubscription: Codable, Hashable, Sendable {
    public struct PushConfig: Codable, Hashable, Sendable {
        public struct OIDCToken: Codable, Hashable, Sendable {
            public var serviceAccountEmail: String?
            public var audience: String?
            public init(serviceAccountEmail: String?, audience: String? = nil) {
                self.serviceAccountEmail = serviceAccountEmail
                self.audience = audience
            }
        }
        public var pushEndpoint: String?
        public var oidcToken: OIDCToken?
        public init(pushEndpoint: String?, oidcToken: OIDCToken? = nil) {
            self.pushEndpoint = pushEndpoint
            self.oidcToken = oidcToken
        }
    }

    public var name: String?
    public var topic: String?
    public var ackDeadlineSeconds: Int?
    public var pushConfig: PushConfig?
    public var messageRetentionDuration: String?
    public var labels: [String: String]?

    public init(topic: String, ackDeadlineSeconds: Int? = nil, pushConfig: PushConfig? = nil) {
        self.topic = topic
        self.ackDeadlineSeconds = ackDeadlineSeconds
        self.pushConfig = pushConfig
    }
}

struct PullRequestBody: Codable {
    var maxMessages: Int
    var returnImmediately: Bool?
}

struct PullResponseBody: Codable {
    var receivedMessages: [ReceivedMessage]?
}

struct AckRequestBody: Codable {
    var ackIds: [String]
}

struct ModifyAckDeadlineBody: Codable {
    var ackIds: [String]
    var ackDeadlineSeconds: Int
}

struct PublishRequestBody: Codable {
    var messages: [PubSubMessage]
}

struct PublishResponseBody: Codable {
    var messageIds: [String]?
}

struct TopicBody: Codable {
    var name: String?
}
