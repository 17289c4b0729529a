import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// `--pubsub-emulator-host`: Marketplace's notifications also go to another Pub/Sub (Google's own
/// emulator, say), over its REST API, so that any Pub/Sub client (gRPC, streaming pull) consumes
/// them. The built-in topic keeps a subscription of its own (`forwardSubscription`) that this
/// drains: a notification is acknowledged there only after the other Pub/Sub took it, so an
/// outage of that Pub/Sub delays notifications and loses none, as Google's at-least-once delivery.
struct ExternalPubSubForwarder {
    static let forwardSubscription = "projects/entitle-emulator/subscriptions/forward-to-external-pubsub"

    let state: EmulatorState
    /// `http://host:port/` of the other Pub/Sub.
    let base: URL
    let topic: String
    let logger: Logger
    var pollInterval: Duration = .milliseconds(20)
    var retryInterval: Duration = .milliseconds(500)

    func run() async throws {
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
        do {
            try await forward(client)
        } catch {
            try await client.shutdown()
            if !(error is CancellationError) { throw error }
            return
        }
        try await client.shutdown()
    }

    private func forward(_ client: HTTPClient) async throws {
        // The topic, as Marketplace's exists before anyone subscribes; 409 says it is there already.
        while !Task.isCancelled {
            let status = try? await send(client, .PUT, topic, body: Data("{}".utf8))
            if status == 200 || status == 409 { break }
            logger.warning(
                "the other Pub/Sub does not take the topic yet",
                metadata: ["base": "\(base)", "status": "\(status ?? 0)"]
            )
            try await Task.sleep(for: retryInterval)
        }
        while !Task.isCancelled {
            let received = (try? await state.pull(Self.forwardSubscription, maxMessages: 100)) ?? []
            guard !received.isEmpty else {
                try await Task.sleep(for: pollInterval)
                continue
            }
            let messages = received.map { PubsubMessageJSON(data: $0.message.data, attributes: $0.message.attributes) }
            let body = try JSONEncoder().encode(PublishRequestJSON(messages: messages))
            let status = try? await send(client, .POST, topic + ":publish", body: body)
            let ackIDs = received.map(\.ackId)
            if status == 200 {
                await state.acknowledgeForwarded(ackIDs)
            } else {
                logger.warning("the other Pub/Sub refused a publish; retrying", metadata: ["status": "\(status ?? 0)"])
                try? await state.modifyAckDeadline(Self.forwardSubscription, ackIDs: ackIDs, seconds: 0)
                try await Task.sleep(for: retryInterval)
            }
        }
    }

    private func send(_ client: HTTPClient, _ method: HTTPMethod, _ path: String, body: Data) async throws -> UInt {
        var request = HTTPClientRequest(url: base.absoluteString + "v1/" + path)
        request.method = method
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await client.execute(request, timeout: .seconds(30))
        _ = try? await response.body.collect(upTo: 1024 * 1024)
        return response.status.code
    }
}
