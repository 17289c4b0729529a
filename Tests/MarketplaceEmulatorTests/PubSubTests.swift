import EntitleTestSupport
import Foundation
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// Pub/Sub REST v1 as contract §6 describes it, over HTTP.
@Suite(.paced) struct PubSubTests {
    private let subscription = "v1/projects/vendor/subscriptions/marketplace"

    private func pull(_ running: RunningEmulator, max: Int = 10) async throws -> [PullReply.Received] {
        let reply = try await running.http.post(
            "\(subscription):pull",
            ["maxMessages": AnyEncodable(max), "returnImmediately": AnyEncodable(true)]
        )
        return try reply.decode(PullReply.self).receivedMessages ?? []
    }

    // MARK: Tests

    @Test("published messages arrive base64-encoded with messageId, publishTime and attributes; acked ones are gone")
    func publishPullAck() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            _ = try await running.http.send("PUT", "v1/projects/vendor/topics/own")
            let created = try await running.http.send(
                "PUT",
                subscription,
                body: ["topic": "projects/vendor/topics/own"]
            )
            let probe = try created.decode(SubscriptionJSONProbe.self)
            #expect(probe.ackDeadlineSeconds == 10, "default ack deadline")
            #expect(
                probe.state == "ACTIVE" && probe.messageRetentionDuration == "604800s",
                "Pub/Sub's output field and default retention"
            )
            let body: [String: AnyEncodable] = [
                "messages": AnyEncodable([
                    [
                        "data": AnyEncodable(Data("hello".utf8).base64EncodedString()),
                        "attributes": AnyEncodable(["k": "v"]),
                    ]
                ])
            ]
            let published = try await running.http.post("v1/projects/vendor/topics/own:publish", body)
            #expect(published.status == 200, "\(published)")
            let messages = try await pull(running)
            #expect(messages.count == 1)
            #expect(Data(base64Encoded: messages[0].message.data) == Data("hello".utf8))
            #expect(messages[0].message.attributes == ["k": "v"] && !messages[0].message.messageId.isEmpty)
            #expect((try? Timestamp(rfc3339: messages[0].message.publishTime)) != nil)
            #expect(messages[0].deliveryAttempt == nil, "only with a dead-letter policy (contract §6)")
            #expect(
                try await running.http.post("\(subscription):acknowledge", ["ackIds": [messages[0].ackId]]).status
                    == 200
            )
            #expect(
                try await running.http.post("\(subscription):acknowledge", ["ackIds": [messages[0].ackId]]).status
                    == 200,
                "double ack is fine"
            )
            try await running.advance("PT1H")
            #expect(try await pull(running).isEmpty)
        }
    }

    @Test("an un-acked message is redelivered after its ack deadline, with deliveryAttempt counting up")
    func redeliveryAfterDeadline() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            try await running.subscribe(ackDeadlineSeconds: 10, deadLetter: true)
            _ = try await running.buy()
            let first = try await pull(running)
            #expect(first.count == 2 && first.allSatisfy { $0.deliveryAttempt == 1 })
            #expect(try await pull(running).isEmpty, "leased messages are not handed out twice")
            try await running.advance("PT11S")
            let second = try await pull(running)
            #expect(second.map(\.message.messageId) == first.map(\.message.messageId))
            #expect(second.allSatisfy { $0.deliveryAttempt == 2 })
            #expect(Set(second.map(\.ackId)).isDisjoint(with: first.map(\.ackId)), "a new lease has a new ackId")
        }
    }

    @Test("modifyAckDeadline 0 hands a message back at once; a longer deadline keeps it leased")
    func nackAndExtend() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            try await running.subscribe()
            _ = try await running.buy()
            let leased = try await pull(running, max: 1)
            #expect(
                try await running.http.post(
                    "\(subscription):modifyAckDeadline",
                    ["ackIds": AnyEncodable([leased[0].ackId]), "ackDeadlineSeconds": AnyEncodable(600)]
                ).status == 200
            )
            try await running.advance("PT5M")
            let other = try await pull(running)
            #expect(!other.map(\.message.messageId).contains(leased[0].message.messageId), "extended lease holds")
            #expect(
                try await running.http.post(
                    "\(subscription):modifyAckDeadline",
                    ["ackIds": AnyEncodable([leased[0].ackId]), "ackDeadlineSeconds": AnyEncodable(0)]
                ).status == 200
            )
            #expect(try await pull(running).map(\.message.messageId) == [leased[0].message.messageId])
        }
    }

    @Test("an empty pull waits, then answers {}")
    func emptyPull() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            try await running.subscribe()
            let started = ContinuousClock.now
            let reply = try await running.http.post("\(subscription):pull", ["maxMessages": 5])
            #expect(reply.status == 200 && reply.text == "{}")
            #expect(ContinuousClock.now - started >= .milliseconds(90))
        }
    }

    @Test(
        "bad Pub/Sub calls get Google's errors",
        arguments: [
            ("PUT", "v1/projects/vendor/subscriptions/other", #"{"topic":"projects/x/topics/missing"}"#, 404),
            (
                "PUT", "v1/projects/vendor/subscriptions/marketplace",
                #"{"topic":"projects/cloudcommerceproc-prod/topics/DEMO-entitle-sandbox"}"#, 409
            ),
            (
                "PUT", "v1/projects/vendor/subscriptions/second",
                #"{"topic":"projects/cloudcommerceproc-prod/topics/DEMO-entitle-sandbox","ackDeadlineSeconds":5}"#, 400
            ),
            (
                "PUT", "v1/projects/vendor/subscriptions/goog-reserved",
                #"{"topic":"projects/cloudcommerceproc-prod/topics/DEMO-entitle-sandbox"}"#,
                400
            ),
            (
                "PUT", "v1/projects/vendor/subscriptions/9starts-with-digit",
                #"{"topic":"projects/cloudcommerceproc-prod/topics/DEMO-entitle-sandbox"}"#, 400
            ),
            ("POST", "v1/projects/vendor/subscriptions/marketplace:pull", #"{}"#, 400),
            ("POST", "v1/projects/vendor/subscriptions/marketplace:pull", #"{"maxMessages":0}"#, 400),
            ("POST", "v1/projects/vendor/subscriptions/marketplace:acknowledge", #"{"ackIds":[]}"#, 400),
            ("POST", "v1/projects/vendor/subscriptions/marketplace:acknowledge", #"{"ackIds":["never-issued"]}"#, 400),
            (
                "POST", "v1/projects/vendor/subscriptions/marketplace:acknowledge", #"{"ackIds":["ack-424242-gone"]}"#,
                200
            ),
            (
                "POST", "v1/projects/vendor/subscriptions/marketplace:modifyAckDeadline",
                #"{"ackIds":["x"],"ackDeadlineSeconds":601}"#, 400
            ),
            ("POST", "v1/projects/vendor/subscriptions/missing:pull", #"{"maxMessages":1}"#, 404),
            ("POST", "v1/projects/vendor/subscriptions/marketplace:seek", #"{}"#, 404),
            (
                "POST", "v1/projects/cloudcommerceproc-prod/topics/DEMO-entitle-sandbox:publish",
                #"{"messages":[{"data":"%%%"}]}"#, 400
            ),
            (
                "POST", "v1/projects/cloudcommerceproc-prod/topics/DEMO-entitle-sandbox:publish", #"{"messages":[{}]}"#,
                400
            ),
            ("POST", "v1/projects/vendor/topics/missing:publish", #"{"messages":[{"data":"aGk="}]}"#, 404),
            ("DELETE", "v1/projects/vendor/subscriptions/missing", nil, 404),
        ] as [(String, String, String?, Int)]
    )
    func errors(method: String, path: String, body: String?, status: Int) async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            try await running.subscribe()
            let reply = try await running.http.send(method, path, raw: body.map { Data($0.utf8) })
            #expect(reply.status == status, "\(reply)")
            if status >= 400 { #expect(reply.googleError?.code == status, "\(reply)") }
        }
    }

    @Test("a deleted subscription stops receiving; get answers its configuration")
    func getAndDelete() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            try await running.subscribe(ackDeadlineSeconds: 30)
            #expect(
                try await running.http.get(subscription).decode(SubscriptionJSONProbe.self).ackDeadlineSeconds == 30
            )
            #expect(try await running.http.send("DELETE", subscription).status == 200)
            #expect(try await running.http.get(subscription).status == 404)
        }
    }
}

struct SubscriptionJSONProbe: Decodable {
    var name: String
    var topic: String
    var ackDeadlineSeconds: Int
    var state: String?
    var messageRetentionDuration: String?
    var pushConfig: PushConfig?

    struct PushConfig: Decodable {
        var pushEndpoint: String?
    }
}
