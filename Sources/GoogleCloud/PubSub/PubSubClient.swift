public import AsyncHTTPClient
public import Foundation
import MarketplaceCore
import NIOHTTP1

/// Pub/Sub REST v1 (contract §6): pull, acknowledge, modifyAckDeadline, subscriptions and (for
/// tests and tools) topics and publish. Names are full: `projects/{p}/subscriptions/{s}`.
public struct PubSubClient: Sendable {
    public let baseURL: URL
    public let transport: GoogleAPITransport

    public init(baseURL: URL = GoogleEndpoints.google.pubSub, transport: GoogleAPITransport) {
        self.baseURL = baseURL
        self.transport = transport
    }

    /// A client for `PUBSUB_EMULATOR_HOST` (`host:port`) when it is set, as Google's libraries do:
    /// plain HTTP to that host and no credentials. Nil when it is not set.
    public static func emulator(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        httpClient: HTTPClient = .shared,
        retryPolicy: RetryPolicy = .default
    ) -> PubSubClient? {
        guard let host = environment["PUBSUB_EMULATOR_HOST"], !host.isEmpty, let url = URL(string: "http://\(host)/")
        else { return nil }
        return PubSubClient(
            baseURL: url,
            transport: GoogleAPITransport(
                httpClient: httpClient,
                credentials: NoTokenProvider(),
                retryPolicy: retryPolicy
            )
        )
    }

    /// Up to `maxMessages` messages; waits (long poll) when none are there yet, and may answer
    /// with none. Treated as idempotent: if an answer is lost, its messages come again after
    /// their ack deadline, which at-least-once delivery allows.
    public func pull(
        _ subscription: String,
        maxMessages: Int,
        returnImmediately: Bool = false
    ) async throws -> [ReceivedMessage] {
        let response: PullResponseBody = try await transport.call(
            .POST,
            url(subscription, verb: "pull"),
            body: PullRequestBody(maxMessages: maxMessages, returnImmediately: returnImmediately ? true : nil),
            safety: .idempotent
        )
        return response.receivedMessages ?? []
    }

    /// Acknowledges messages (idempotent: acking twice is not an error).
    public func acknowledge(_ subscription: String, ackIDs: [String]) async throws {
        guard !ackIDs.isEmpty else { return }
        let _: EmptyResponse = try await transport.call(
            .POST,
            url(subscription, verb: "acknowledge"),
            body: AckRequestBody(ackIds: ackIDs),
            safety: .idempotent
        )
    }

    /// Extends the lease of messages still being worked on, or with 0 hands them back for
    /// redelivery at once (a nack). Idempotent: the deadline is set, not added to.
    public func modifyAckDeadline(_ subscription: String, ackIDs: [String], seconds: Int) async throws {
        guard !ackIDs.isEmpty else { return }
        let body = ModifyAckDeadlineBody(ackIds: ackIDs, ackDeadlineSeconds: seconds)
        let _: EmptyResponse = try await transport.call(
            .POST,
            url(subscription, verb: "modifyAckDeadline"),
            body: body,
            safety: .idempotent
        )
    }

    /// `subscriptions.create`. A retry after a lost answer gets 409 ALREADY_EXISTS, which callers
    /// that only want the subscription to exist may ignore.
    @discardableResult
    public func createSubscription(
        _ name: String,
        _ subscription: PubSubSubscription
    ) async throws -> PubSubSubscription {
        try await transport.call(.PUT, url(name), body: subscription, safety: .guardedByState)
    }

    /// `subscriptions.modifyPushConfig`: a pull subscription becomes a push one (or back, with an
    /// empty config), keeping its backlog.
    public func modifyPushConfig(_ subscription: String, _ pushConfig: PubSubSubscription.PushConfig) async throws {
        struct Body: Encodable { var pushConfig: PubSubSubscription.PushConfig }
        let _: EmptyResponse = try await transport.call(
            .POST,
            url(subscription, verb: "modifyPushConfig"),
            body: Body(pushConfig: pushConfig),
            safety: .idempotent
        )
    }

    public func subscription(_ name: String) async throws -> PubSubSubscription {
        try await transport.call(.GET, url(name), safety: .idempotent)
    }

    /// Which of `permissions` the caller holds on a topic or subscription (IAM `testIamPermissions`).
    public func testPermissions(_ resource: String, _ permissions: [String]) async throws -> [String] {
        let response: PermissionsBody = try await transport.call(
            .POST,
            url(resource, verb: "testIamPermissions"),
            body: PermissionsBody(permissions: permissions),
            safety: .idempotent
        )
        return response.permissions ?? []
    }

    struct PermissionsBody: Codable, Sendable {
        var permissions: [String]?
    }

    public func deleteSubscription(_ name: String) async throws {
        let _: EmptyResponse = try await transport.call(.DELETE, url(name), safety: .guardedByState)
    }

    /// `topics.create` (emulators and tests; Marketplace owns its topic).
    public func createTopic(_ name: String) async throws {
        let _: TopicBody = try await transport.call(.PUT, url(name), body: TopicBody(), safety: .guardedByState)
    }

    /// `topics.publish`. Not retried once it may have reached the server: a repeat would publish twice.
    public func publish(_ topic: String, _ messages: [PubSubMessage]) async throws -> [String] {
        let response: PublishResponseBody = try await transport.call(
            .POST,
            url(topic, verb: "publish"),
            body: PublishRequestBody(messages: messages),
            safety: .onlyIfNotProcessed
        )
        return response.messageIds ?? []
    }

    private func url(_ name: String, verb: String? = nil) -> URL {
        let path = name.split(separator: "/").map { GoogleURL.segment(String($0)) }.joined(separator: "/")
        return GoogleURL.make(baseURL, "v1/" + path + (verb.map { ":" + $0 } ?? ""))
    }
}
