import Foundation
public import GoogleCloud
import MarketplaceCore
import MarketplaceEmulator

/// Entitle's Google clients for a running emulator, with the credentials a vendor would use: the
/// emulator's service-account key file, exchanged at its token endpoint.
extension RunningEmulator {
    public func transport(retryPolicy: RetryPolicy = .default) async throws -> GoogleAPITransport {
        let file = try JSONEncoder().encode(try await emulator.serviceAccountKeyFile())
        let key = try JSONDecoder().decode(ServiceAccountKey.self, from: file)
        return GoogleAPITransport(
            credentials: try ServiceAccountTokenProvider(key: key, retryPolicy: retryPolicy),
            retryPolicy: retryPolicy
        )
    }

    public func procurementClient(_ transport: GoogleAPITransport) -> ProcurementClient {
        ProcurementClient(provider: emulator.options.provider, baseURL: baseURL, transport: transport)
    }

    public func pubSubClient(_ transport: GoogleAPITransport) -> PubSubClient {
        PubSubClient(baseURL: baseURL, transport: transport)
    }

    /// Subscribes `subscription` to the Marketplace topic, as a vendor does before the first purchase.
    public func subscribe(_ subscription: String, _ transport: GoogleAPITransport) async throws -> PubSubClient {
        let pubsub = pubSubClient(transport)
        try await pubsub.createSubscription(subscription, PubSubSubscription(topic: emulator.options.topic))
        return pubsub
    }
}

extension PubSubClient {
    struct NoSuchMessage: Error, CustomStringConvertible {
        var eventType: String
        var description: String { "no \(eventType) message came within 10 s" }
    }

    /// The first message on `subscription` whose data names `eventType`, pulled and left
    /// unacknowledged (the others pulled with it come back after their deadline).
    public func message(_ eventType: String, on subscription: String) async throws -> PubSubMessage {
        let found = try await eventually { () async throws -> ReceivedMessage? in
            try await pull(subscription, maxMessages: 10).first {
                String(decoding: $0.message.data ?? Data(), as: UTF8.self).contains(eventType)
            }
        }
        guard let found else { throw NoSuchMessage(eventType: eventType) }
        return found.message
    }
}
