import Foundation
import MarketplaceCore

/// Push subscriptions (contract §6): the emulator leases messages to itself and POSTs them to the
/// endpoint; a 102/200/201/202/204 acks, anything else (or no answer within the ack deadline)
/// hands the message back after a backoff.
extension PubSubState {
    /// One POST to make: the message under its lease, and where and how to send it.
    struct PushDelivery: Sendable {
        var subscription: String
        var ackID: String
        var received: ReceivedMessageJSON
        var pushConfig: PushConfigJSON
        var ackDeadlineSeconds: Int
    }

    /// Requests in flight per subscription, as Google's push flow control bounds them.
    static let maxOutstandingPushes = 64

    var hasPushSubscriptions: Bool {
        subscriptions.values.contains { $0.config.pushConfig != nil }
    }

    /// Leases every due message of every push subscription, up to the in-flight bound.
    mutating func takePushDeliveries(now: Timestamp) -> [PushDelivery] {
        let names = subscriptions.keys.filter { subscriptions[$0]?.config.pushConfig != nil }
        var counter = ackCounter
        defer { ackCounter = counter }
        var deliveries: [PushDelivery] = []
        for name in names.sorted() {
            let taken = try? mutate(name) {
                (subscription: inout Subscription) throws(GoogleAPIError) -> [PushDelivery] in
                let room = Self.maxOutstandingPushes - subscription.leased.count
                guard room > 0, let config = subscription.config.pushConfig else { return [] }
                let received = Self.lease(&subscription, maxMessages: room, now: now, counter: &counter)
                return received.map {
                    PushDelivery(
                        subscription: name,
                        ackID: $0.ackId,
                        received: $0,
                        pushConfig: config,
                        ackDeadlineSeconds: subscription.ackDeadlineSeconds
                    )
                }
            }
            deliveries += taken ?? []
        }
        return deliveries
    }

    /// A failed push goes back to the front of the queue, due again after the retry policy's
    /// backoff: `minimumBackoff · 2^(attempt−1)`, capped at `maximumBackoff`. Without a policy,
    /// 100 ms doubling to 60 s, as Google backs off pushes to a failing endpoint.
    mutating func pushFailed(_ name: String, ackID: String, now: Timestamp) {
        try? mutate(name) { (subscription: inout Subscription) throws(GoogleAPIError) in
            guard var queued = subscription.leased.removeValue(forKey: ackID)?.queued else { return }
            let policy = subscription.config.retryPolicy
            let minimum = policy == nil ? 0.1 : Self.seconds(policy?.minimumBackoff) ?? 10
            let maximum = policy == nil ? 60 : Self.seconds(policy?.maximumBackoff) ?? 600
            let delay = min(maximum, minimum * pow(2, Double(max(0, queued.attempts - 1))))
            queued.notBefore = now.adding(nanoseconds: Int64(delay * 1_000_000_000))
            subscription.ready.insert(queued, at: 0)
        }
    }

    /// IAM on a subscription, kept so that `gcloud … add-iam-policy-binding` (get, then set with
    /// the etag it read) works; a stale etag is refused as Google refuses it.
    func iamPolicy(_ name: String) throws(GoogleAPIError) -> JSONValue {
        try subscription(name).iamPolicy ?? .object(["version": .number(1), "etag": .string("BwAAAAAAAAA=")])
    }

    mutating func setIamPolicy(_ name: String, _ policy: JSONValue) throws(GoogleAPIError) -> JSONValue {
        guard case .object(let current) = try iamPolicy(name), case .object(var fields) = policy else {
            throw .invalidArgument("policy is required.")
        }
        if let etag = fields["etag"], etag != current["etag"] {
            throw GoogleAPIError(
                code: 409,
                status: "ABORTED",
                message:
                    "There were concurrent policy changes. Please retry the whole read-modify-write with exponential backoff."
            )
        }
        fields["etag"] = .string(Data(UUID().uuidString.utf8.prefix(8)).base64EncodedString())
        let updated = JSONValue.object(fields)
        try mutate(name) { (subscription: inout Subscription) throws(GoogleAPIError) in subscription.iamPolicy = updated
        }
        return updated
    }

    mutating func modifyPushConfig(_ name: String, _ pushConfig: PushConfigJSON?) throws(GoogleAPIError) {
        try Self.validate(pushConfig)
        try mutate(name) { (subscription: inout Subscription) throws(GoogleAPIError) in
            subscription.config.pushConfig = pushConfig?.pushEndpoint?.isEmpty == false ? pushConfig : nil
        }
    }

    /// Google takes https endpoints only; the emulator also takes http, for receivers on loopback.
    static func validate(_ pushConfig: PushConfigJSON?) throws(GoogleAPIError) {
        guard let endpoint = pushConfig?.pushEndpoint, !endpoint.isEmpty else { return }
        guard let url = URL(string: endpoint), ["http", "https"].contains(url.scheme?.lowercased()),
            url.host?.isEmpty == false
        else {
            throw .invalidArgument(
                "Invalid push endpoint given (endpoint=\(endpoint)). Refer to https://cloud.google.com/pubsub/docs/push."
            )
        }
    }

    /// A protobuf Duration string (`"10s"`, `"0.5s"`) in seconds.
    static func seconds(_ duration: String?) -> Double? {
        guard let duration, duration.hasSuffix("s") else { return nil }
        return Double(duration.dropLast())
    }
}
