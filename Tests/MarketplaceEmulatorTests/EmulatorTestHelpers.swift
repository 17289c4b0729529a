import EntitleTestSupport
import Foundation
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// Steps tests take against a running emulator, over HTTP like any client.
extension RunningEmulator {
    static let subscription = "projects/vendor/subscriptions/marketplace"

    var accounts: String { "v1/providers/\(provider)/accounts" }
    var entitlements: String { "v1/providers/\(provider)/entitlements" }

    /// Subscribes to the Marketplace topic, as a vendor does before the first purchase.
    func subscribe(ackDeadlineSeconds: Int = 10, deadLetter: Bool = false) async throws {
        var body: [String: AnyEncodable] = [
            "topic": AnyEncodable(emulator.options.topic), "ackDeadlineSeconds": AnyEncodable(ackDeadlineSeconds),
        ]
        if deadLetter {
            body["deadLetterPolicy"] = AnyEncodable([
                "deadLetterTopic": AnyEncodable("projects/vendor/topics/dead"), "maxDeliveryAttempts": AnyEncodable(5),
            ])
        }
        let reply = try await http.send("PUT", "v1/\(Self.subscription)", body: body)
        #expect(reply.status == 200, "\(reply)")
    }

    struct Purchase: Decodable {
        var accountId: String
        var entitlementId: String
    }

    func buy(
        _ product: String = "example-messaging-service",
        plan: String = "basic",
        account: String? = nil,
        offer: [String: String]? = nil
    ) async throws -> Purchase {
        var body: [String: AnyEncodable] = ["product": AnyEncodable(product), "plan": AnyEncodable(plan)]
        if let account { body["account"] = AnyEncodable(account) }
        if let offer { body["offer"] = AnyEncodable(offer) }
        return try await http.post("emulator/v1/purchases", body).decode()
    }

    func approveSignup(_ account: String) async throws {
        let reply = try await http.post("\(accounts)/\(account):approve", ["approvalName": "signup"])
        #expect(reply.status == 200, "\(reply)")
    }

    func entitlement(_ id: String) async throws -> Entitlement {
        try await http.get("\(entitlements)/\(id)").decode()
    }

    func advance(_ duration: String) async throws {
        let reply = try await http.post("emulator/v1/clock/advance", ["duration": duration])
        #expect(reply.status == 200, "\(reply)")
    }

    /// Pulls and acks everything published so far, returning the decoded notifications in order.
    func events() async throws -> [MarketplaceEvent] {
        var events: [MarketplaceEvent] = []
        while true {
            let reply = try await http.post(
                "v1/\(Self.subscription):pull",
                ["maxMessages": AnyEncodable(100), "returnImmediately": AnyEncodable(true)]
            )
            let pulled = try reply.decode(PullReply.self).receivedMessages ?? []
            if pulled.isEmpty { return events }
            for received in pulled {
                events.append(try MarketplaceEvent(json: Data(base64Encoded: received.message.data)!))
            }
            let ack = try await http.post("v1/\(Self.subscription):acknowledge", ["ackIds": pulled.map(\.ackId)])
            #expect(ack.status == 200, "\(ack)")
        }
    }

    func eventTypes() async throws -> [String] {
        try await events().map { $0.eventType?.rawValue ?? "(none)" }
    }
}

struct PullReply: Decodable {
    struct Received: Decodable {
        var ackId: String
        var message: Message
        var deliveryAttempt: Int?
    }

    struct Message: Decodable {
        var data: String
        var messageId: String
        var publishTime: String
        var attributes: [String: String]?
    }

    var receivedMessages: [Received]?
}

/// Lets tests write heterogeneous JSON bodies as dictionaries.
struct AnyEncodable: Encodable, Sendable {
    private let encodeValue: @Sendable (any Encoder) throws -> Void

    init<T: Encodable & Sendable>(_ value: T) {
        encodeValue = { try value.encode(to: $0) }
    }

    func encode(to encoder: any Encoder) throws {
        try encodeValue(encoder)
    }
}

/// Emulator options for tests: empty pulls answer quickly.
func testOptions(_ change: (inout EmulatorOptions) -> Void = { _ in }) -> EmulatorOptions {
    var options = EmulatorOptions()
    options.pullWait = .milliseconds(100)
    change(&options)
    return options
}
