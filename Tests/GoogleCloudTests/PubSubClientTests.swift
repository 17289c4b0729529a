import EntitleTestSupport
import Foundation
import GoogleCloud
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// `PubSubClient` against the emulator: the calls a pull subscriber makes.
@Suite(.paced) struct PubSubClientTests {
    private let subscription = "projects/vendor/subscriptions/entitle"

    private func pubsub(_ clients: EmulatorClients) -> PubSubClient {
        PubSubClient(baseURL: clients.running.baseURL, transport: clients.transport)
    }

    @Test("subscribe, pull a purchase's notifications, ack them; a nack (deadline 0) brings a message back at once")
    func pullAckNack() async throws {
        try await EmulatorHarness.withEmulator { running in
            let clients = try await EmulatorClients(running)
            let client = pubsub(clients)
            let created = try await client.createSubscription(
                subscription,
                PubSubSubscription(topic: running.emulator.options.topic, ackDeadlineSeconds: 30)
            )
            #expect(created.name == subscription && created.ackDeadlineSeconds == 30)
            #expect(try await client.subscription(subscription).topic == running.emulator.options.topic)
            let purchase = try await clients.buy()
            let received = try await client.pull(subscription, maxMessages: 10)
            #expect(received.count == 2)
            let events = try received.map { try MarketplaceEvent(json: try #require($0.message.data)) }
            #expect(
                events.contains {
                    if case .entitlement(let notice) = $0.subject { notice.id == purchase.entitlement } else { false }
                }
            )
            #expect(received.allSatisfy { $0.message.publishTime != nil && $0.message.messageId != nil })

            try await client.modifyAckDeadline(subscription, ackIDs: [received[0].ackId], seconds: 0)
            let again = try await client.pull(subscription, maxMessages: 10, returnImmediately: true)
            #expect(again.map(\.message.messageId) == [received[0].message.messageId])
            try await client.modifyAckDeadline(subscription, ackIDs: again.map(\.ackId), seconds: 60)
            try await client.acknowledge(subscription, ackIDs: again.map(\.ackId) + [received[1].ackId])
            try await client.acknowledge(subscription, ackIDs: [received[1].ackId])
            _ = try await running.http.post("emulator/v1/clock/advance", ["duration": "PT2M"]).decode(
                EmulatorClients.EmptyJSON.self
            )
            #expect(try await client.pull(subscription, maxMessages: 10, returnImmediately: true).isEmpty)
            let duplicate = await #expect(throws: GoogleCloud.GoogleAPIError.self) {
                try await client.createSubscription(
                    subscription,
                    PubSubSubscription(topic: running.emulator.options.topic)
                )
            }
            #expect(duplicate?.httpStatus == 409 && duplicate?.status == "ALREADY_EXISTS")
        }
    }

    @Test("a message whose data is not base64 arrives with nil data instead of failing the batch")
    func badBase64() async throws {
        try await EmulatorHarness.withEmulator { running in
            let clients = try await EmulatorClients(running)
            let client = pubsub(clients)
            try await client.createTopic("projects/vendor/topics/own")
            try await client.createSubscription(subscription, PubSubSubscription(topic: "projects/vendor/topics/own"))
            let ids = try await client.publish(
                "projects/vendor/topics/own",
                [PubSubMessage(data: Data("{}".utf8), attributes: ["k": "v"])]
            )
            #expect(ids.count == 1)
            var received = try await client.pull(subscription, maxMessages: 5)
            #expect(received.first?.message.data == Data("{}".utf8) && received.first?.message.attributes == ["k": "v"])
            received[0].message.dataBase64 = "%%%not base64"
            let decoded = try JSONDecoder().decode(ReceivedMessage.self, from: try JSONEncoder().encode(received[0]))
            #expect(decoded.message.data == nil)
        }
    }

    @Test("PUBSUB_EMULATOR_HOST gives a plain-HTTP client without credentials")
    func emulatorHost() async throws {
        var options = EmulatorOptions()
        options.requireAuth = false
        try await EmulatorHarness.withEmulator(options) { running in
            let host = "\(running.baseURL.host ?? ""):\(running.baseURL.port ?? 0)"
            let client = try #require(PubSubClient.emulator(environment: ["PUBSUB_EMULATOR_HOST": host]))
            try await client.createSubscription(subscription, PubSubSubscription(topic: running.emulator.options.topic))
            #expect(try await client.pull(subscription, maxMessages: 1, returnImmediately: true).isEmpty)
            #expect(PubSubClient.emulator(environment: [:]) == nil)
        }
    }
}
