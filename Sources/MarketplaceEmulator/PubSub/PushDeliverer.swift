import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// Delivers push subscriptions' messages (contract §6): each message POSTed on its own to the
/// subscription's endpoint, wrapped (`{"message", "subscription"}`) unless `noWrapper` asks for
/// the bare data, with `Authorization: Bearer <OIDC token>` when `oidcToken` is set. The
/// state bounds requests in flight per subscription; the request timeout is the ack deadline.
struct PushDeliverer {
    let state: EmulatorState
    let logger: Logger
    /// How often an idle deliverer looks for due messages.
    var pollInterval: Duration = .milliseconds(20)

    func run() async throws {
        let client = HTTPClient(
            eventLoopGroup: HTTPClient.defaultEventLoopGroup,
            configuration: HTTPClient.Configuration(redirectConfiguration: .disallow)
        )
        do {
            try await withThrowingDiscardingTaskGroup { group in
                while !Task.isCancelled {
                    let deliveries = await state.takePushDeliveries()
                    for delivery in deliveries {
                        group.addTask {
                            let delivered = await push(delivery, client: client)
                            await state.finishPush(delivery, delivered: delivered)
                        }
                    }
                    if deliveries.isEmpty { try await Task.sleep(for: pollInterval) }
                }
            }
        } catch {
            try await client.shutdown()
            if !(error is CancellationError) { throw error }
            return
        }
        try await client.shutdown()
    }

    /// Whether the endpoint acked: 102, 200, 201, 202 or 204 (contract §6).
    private func push(_ delivery: PubSubState.PushDelivery, client: HTTPClient) async -> Bool {
        guard let endpoint = delivery.pushConfig.pushEndpoint else { return false }
        do {
            var request = HTTPClientRequest(url: endpoint)
            request.method = .POST
            try await addBody(to: &request, delivery)
            if let oidc = delivery.pushConfig.oidcToken {
                let email = oidc.serviceAccountEmail ?? state.identity.serviceAccountEmail
                let token = try await state.pushToken(audience: oidc.audience ?? endpoint, email: email)
                request.headers.add(name: "Authorization", value: "Bearer \(token)")
            }
            let response = try await client.execute(request, timeout: .seconds(Int64(delivery.ackDeadlineSeconds)))
            _ = try? await response.body.collect(upTo: 1024 * 1024)
            return [102, 200, 201, 202, 204].contains(response.status.code)
        } catch {
            logger.debug("push failed", metadata: ["endpoint": "\(endpoint)", "error": "\(error)"])
            return false
        }
    }

    private func addBody(to request: inout HTTPClientRequest, _ delivery: PubSubState.PushDelivery) async throws {
        let message = delivery.received.message
        if let noWrapper = delivery.pushConfig.noWrapper {
            // contract §6: the bare data, metadata (if asked for) in x-goog-pubsub-* headers.
            request.body = .bytes(ByteBuffer(bytes: Data(base64Encoded: message.data ?? "") ?? Data()))
            if noWrapper.writeMetadata == true {
                request.headers.add(name: "x-goog-pubsub-subscription-name", value: delivery.subscription)
                request.headers.add(name: "x-goog-pubsub-message-id", value: message.messageId ?? "")
                request.headers.add(name: "x-goog-pubsub-publish-time", value: message.publishTime ?? "")
                for (name, value) in message.attributes ?? [:] { request.headers.add(name: name, value: value) }
            }
            return
        }
        let envelope = PushEnvelopeJSON(
            message: .init(
                data: message.data,
                attributes: message.attributes,
                messageId: message.messageId,
                message_id: message.messageId,
                publishTime: message.publishTime,
                publish_time: message.publishTime
            ),
            subscription: delivery.subscription,
            deliveryAttempt: delivery.received.deliveryAttempt
        )
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(envelope)))
    }
}
