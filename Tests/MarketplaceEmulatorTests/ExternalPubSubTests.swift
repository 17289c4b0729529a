import EntitleTestSupport
import Foundation
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// `--pubsub-emulator-host`: notifications also go to another Pub/Sub over its
/// REST API. Here the other Pub/Sub is a second emulator without auth (its Pub/Sub speaks the same
/// REST); CI does the same against Google's own emulator (Interop/pubsub).
@Suite(.paced) struct ExternalPubSubTests {
    @Test(
        "with an external Pub/Sub, Marketplace's topic is made there and every notification is published to it, in order"
    )
    func forwards() async throws {
        try await EmulatorHarness.withEmulator(testOptions { $0.requireAuth = false }) { other in
            let host = "127.0.0.1:\(other.baseURL.port ?? 0)"
            try await EmulatorHarness.withEmulator(testOptions { $0.externalPubSubHost = host }) { marketplace in
                let topic = marketplace.emulator.options.topic
                try await waitUntil("the topic exists at the other Pub/Sub") {
                    try await other.http.get("v1/\(topic)").status == 200
                }
                try await other.subscribe()
                try await marketplace.subscribe()
                let purchase = try await marketplace.buy()
                _ = try await marketplace.http.post(
                    "emulator/v1/entitlements/\(purchase.entitlementId)/cancel",
                    ["immediately": true]
                )
                let here = try await marketplace.events()
                #expect(here.count >= 2, "\(here.map(\.eventType))")
                var there: [MarketplaceEvent] = []
                try await waitUntil("the other Pub/Sub has them all") {
                    there += try await other.events()
                    return there.count >= here.count
                }
                #expect(there.map(\.eventID) == here.map(\.eventID), "the same notifications, in the same order")
            }
        }
    }

    private func waitUntil(_ what: String, _ probe: () async throws -> Bool) async throws {
        guard try await EntitleTestSupport.eventually(within: .seconds(5), every: .milliseconds(25), probe) else {
            Issue.record("timed out: \(what)")
            return
        }
    }
}
