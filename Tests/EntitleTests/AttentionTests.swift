import Entitle
import EntitleStore
import EntitleTestSupport
import Foundation
import GRDB
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// Slack notifications for what waits on a person: a receiver stands in for
/// Slack's incoming webhook and records what it was sent.
@Suite(.paced) struct AttentionTests {
    private func texts(_ slack: HTTPReceiver, atLeast count: Int) async throws -> [String] {
        try await slack.waitFor(count, timeout: .seconds(20)).compactMap { request in
            (try? JSONSerialization.jsonObject(with: request.body) as? [String: String])?["text"]
        }
    }

    @Test(
        "an order waiting for manual approval and a dead-lettered notification each post one Slack message saying what to do"
    )
    func slack() async throws {
        let slack = HTTPReceiver()
        try await slack.serve { webhook in
            try await TemporaryDatabase.withPath { path in
                var options = EmulatorOptions()
                options.requireSignupBeforeApproval = false
                options.pullWait = .milliseconds(100)
                try await EmulatorHarness.withEmulator(options) { running in
                    try await EntitleHarness.withEntitle(running, storePath: path) { configuration in
                        configuration.entitlementPolicy = .manual
                        configuration.slackWebhookURL = webhook.absoluteString
                        configuration.deadLetterAfterAttempts = 1
                    } _: { _ in
                        let first = try await running.control.buy(product: "example-messaging-service", plan: "basic")
                        let waiting = try await texts(slack, atLeast: 1)
                        #expect(
                            waiting.count == 1 && waiting[0].contains(first.entitlementId)
                                && waiting[0].contains("waits for your approval"),
                            "\(waiting)"
                        )
                        #expect(waiting[0].contains("entitle entitlements decide approve \(first.entitlementId)"))
                        #expect(
                            waiting[0].contains("/admin/entitlements/\(first.entitlementId)"),
                            "links to the console's page: \(waiting)"
                        )

                        let database = try sideDatabase(path)
                        try await database.write { db in
                            try db.execute(
                                sql:
                                    "CREATE TRIGGER refuse BEFORE INSERT ON entitlement BEGIN SELECT RAISE(ABORT, 'injected store failure'); END"
                            )
                        }
                        let second = try await running.control.buy(product: "example-messaging-service", plan: "basic")
                        let all = try await texts(slack, atLeast: 2)
                        let dead = all.filter { $0.contains("dead-lettered") }
                        #expect(
                            dead.count == 1 && dead[0].contains(second.entitlementId)
                                && dead[0].contains("entitle dead-letters replay"),
                            "\(all)"
                        )
                    }
                }
            }
        }
    }

    @Test("Slack answering 500 gets the same message again, a few seconds later, until it takes it")
    func slackRetried() async throws {
        let slack = HTTPReceiver(statuses: [500])
        try await slack.serve { webhook in
            let queue = AttentionQueue()
            let notifier = SlackNotifier(queue: queue, webhook: webhook, adminBase: "https://e.example.com")
            queue.notify(.usageReportingBlocked(reason: "PERMISSION_DENIED"))
            queue.finish()
            try await notifier.run()
            let requests = await slack.requests
            #expect(requests.count == 2 && requests[0].body == requests[1].body, "\(requests.count) posts")
            #expect(requests[1].at - requests[0].at >= .seconds(2), "tried again after a pause")
            #expect(String(decoding: requests[1].body, as: UTF8.self).contains("PERMISSION_DENIED"))
        }
    }

    @Test("a callback given up is told to the attention queue with its id and what to run")
    func callbackGivenUp() async throws {
        let webhook = HTTPReceiver(statuses: [500])
        try await webhook.serve { url in
            try await TemporaryDatabase.withPath { path in
                let store = try await SQLiteStore(path: path)
                let item = OutboxItem(
                    id: "cb-given-up",
                    kind: .activated,
                    accountID: try AccountID("A-1"),
                    entitlementID: try EntitlementID("E-1"),
                    body: #"{"id":"cb-given-up"}"#,
                    createdAt: Timestamp(Date())
                )
                _ = try await store.commit(StoreCommit(callbacks: [item]))
                let queue = AttentionQueue()
                let settings = CallbackDispatcher.Settings(
                    webhookURL: url,
                    schedule: CallbackRetrySchedule(initialSeconds: 1, maximumSeconds: 1, horizonSeconds: 0)
                )
                let dispatcher = CallbackDispatcher(
                    store: store,
                    signer: CallbackSigner(secret: "whsec_attention_test"),
                    settings: settings,
                    attention: queue
                )
                let claimed = try await store.claimCallbacks(
                    now: Timestamp(Date()),
                    limit: 1,
                    leaseSeconds: 30,
                    claimant: "t"
                )
                await dispatcher.deliver(try #require(claimed.first))
                queue.finish()
                var told: [Attention] = []
                for await attention in queue.stream { told.append(attention) }
                #expect(
                    told == [
                        .callbackGivenUp(
                            id: "cb-given-up",
                            type: "entitlement.activated",
                            subject: "entitlements/E-1",
                            error: "HTTP 500"
                        )
                    ],
                    "\(told)"
                )
                #expect(
                    told.first?.text(adminBase: "https://e.example.com").contains("entitle outbox replay cb-given-up")
                        == true
                )
            }
        }
    }
}
