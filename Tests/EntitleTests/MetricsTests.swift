import Entitle
import EntitleStore
import EntitleTestSupport
import Foundation
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// `GET /metrics` scraped during a purchase: the counters and histograms move as the journey
/// implies.
@Suite(.paced) struct MetricsTests {
    /// A scrape as series → value: `name{label="value",…}` exactly as exposed.
    struct Scrape {
        var series: [String: Double] = [:]

        init(_ text: String) {
            for line in text.split(separator: "\n") where !line.hasPrefix("#") {
                guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                    continue
                }
                series[String(line[..<space])] = value
            }
        }

        subscript(_ name: String) -> Double { series[name] ?? 0 }

        /// The sum over every series of a metric whose labels include all of `labels`.
        func sum(_ name: String, _ labels: [String: String] = [:]) -> Double {
            series.filter { key, _ in
                (key == name || key.hasPrefix(name + "{"))
                    && labels.allSatisfy { key.contains("\($0.key)=\"\($0.value)\"") }
            }.values.reduce(0, +)
        }
    }

    private func scrape(_ entitle: RunningEntitle) async throws -> Scrape {
        let reply = try await JSONHTTPClient(baseURL: entitle.baseURL).get("metrics")
        #expect(
            reply.status == 200 && reply.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true,
            "\(reply)"
        )
        return Scrape(reply.text)
    }

    @Test(
        "one purchase: two notifications processed, lag observed for both, one purchase-to-ACTIVE, one approval at Google, a callback failed then delivered, the store's gauges, no poison"
    )
    func journey() async throws {
        let receiver = HTTPReceiver(statuses: [500])
        try await receiver.serve { webhook in
            try await TemporaryDatabase.withPath { path in
                var options = EmulatorOptions()
                options.requireSignupBeforeApproval = false
                options.pullWait = .milliseconds(100)
                try await EmulatorHarness.withEmulator(options) { running in
                    try await EntitleHarness.withEntitle(running, storePath: path) { configuration in
                        configuration.callbackURL = webhook.absoluteString
                        configuration.callbackSecret = "whsec_metrics_journey_secret"
                        // Mid-rotation: every callback is signed with the new secret and the old one.
                        configuration.callbackSecretPrevious = "whsec_metrics_journey_retiring"
                    } _: { entitle in
                        let before = try await scrape(entitle)
                        #expect(
                            before.sum("entitle_notifications_total") == 0 && before["entitle_leader"] == 1,
                            "\(before.series)"
                        )
                        let purchase = try await running.control.buy(
                            product: "example-messaging-service",
                            plan: "basic"
                        )
                        let id = try EntitlementID(purchase.entitlementId)
                        var after = before
                        _ = try await eventually(within: .seconds(20), every: .milliseconds(100)) {
                            after = try await scrape(entitle)
                            let delivered = after.sum("entitle_callback_deliveries_total", ["outcome": "delivered"])
                            let processed = after.sum("entitle_notifications_total", ["outcome": "processed"])
                            return try await entitle.store.entitlement(id)?.state == .active && processed >= 2
                                && delivered >= 1
                        }
                        let processed = ["outcome": "processed"]
                        #expect(
                            after.sum(
                                "entitle_notifications_total",
                                processed.merging(["event_type": "ENTITLEMENT_CREATION_REQUESTED"]) { a, _ in a }
                            ) == 1
                        )
                        #expect(
                            after.sum(
                                "entitle_notifications_total",
                                processed.merging(["event_type": "ENTITLEMENT_ACTIVE"]) { a, _ in a }
                            ) == 1
                        )
                        #expect(after.sum("entitle_notifications_total", ["outcome": "poison"]) == 0)
                        #expect(after.sum("entitle_notifications_total", ["outcome": "dead_lettered"]) == 0)
                        #expect(
                            after["entitle_notification_lag_seconds_count"]
                                == after.sum("entitle_notifications_total", processed)
                        )
                        #expect(after["entitle_notification_lag_seconds_sum"] > 0)
                        #expect(after["entitle_purchase_to_active_seconds_count"] == 1)
                        #expect(
                            after.sum(
                                "entitle_google_requests_total",
                                ["method": "entitlements.approve", "code": "200"]
                            ) == 1
                        )
                        #expect(
                            after.sum(
                                "entitle_google_requests_total",
                                ["api": "procurement", "method": "entitlements.get"]
                            ) >= 2
                        )
                        #expect(
                            after.sum(
                                "entitle_google_requests_total",
                                ["api": "pubsub", "method": "subscriptions.pull"]
                            ) >= 1
                        )
                        #expect(
                            after.sum(
                                "entitle_google_request_duration_seconds_count",
                                ["method": "entitlements.approve"]
                            ) == 1
                        )
                        #expect(
                            after.sum("entitle_callback_deliveries_total", ["outcome": "failed"]) == 1,
                            "the webhook's 500"
                        )
                        #expect(after.sum("entitle_callback_deliveries_total", ["outcome": "delivered"]) >= 1)
                        #expect(after.sum("entitle_callback_delivery_latency_seconds_count") >= 1)
                        for request in await receiver.requests {
                            let header = request.headers["entitle-signature"] ?? ""
                            for secret in ["whsec_metrics_journey_secret", "whsec_metrics_journey_retiring"] {
                                #expect(
                                    CallbackSigner(secret: secret).verify(header: header, body: request.body),
                                    "an app that knows only \(secret) accepts \(header)"
                                )
                            }
                        }
                        #expect(
                            after[#"entitle_entitlements{state="ENTITLEMENT_ACTIVE"}"#] == 1,
                            "\(after.series.keys.sorted())"
                        )
                        #expect(after["entitle_poison_messages"] == 0 && after["entitle_dead_letters"] == 0)
                        #expect(after.sum("entitle_http_requests_total", ["route": "/metrics", "code": "200"]) >= 1)
                        let unknown = try await JSONHTTPClient(baseURL: entitle.baseURL).get("no/such/route")
                        #expect(unknown.status == 404)
                        let last = try await scrape(entitle)
                        #expect(
                            last.sum("entitle_http_requests_total", ["route": "NotFound", "code": "404"]) == 1,
                            "\(last.series.keys.filter { $0.hasPrefix("entitle_http") }.sorted())"
                        )
                    }
                }
            }
        }
    }

    @Test("a metrics token is required when set (401 without it, 200 with it); metricsEnabled false: no /metrics")
    func protection() async throws {
        try await TemporaryDatabase.withPath { path in
            try await EmulatorHarness.withEmulator { running in
                try await EntitleHarness.withEntitle(running, storePath: path) {
                    $0.metricsToken = "scrape-secret"
                } _: { entitle in
                    let anonymous = try await JSONHTTPClient(baseURL: entitle.baseURL).get("metrics")
                    #expect(anonymous.status == 401 && !anonymous.text.contains("entitle_"), "\(anonymous)")
                    let wrong = try await entitle.client(bearer: "scrape-secreT").get("metrics")
                    #expect(wrong.status == 401)
                    let scraped = try await entitle.client(bearer: "scrape-secret").get("metrics")
                    #expect(scraped.status == 200 && scraped.text.contains("entitle_leader 1"), "\(scraped)")
                }
            }
        }
        try await TemporaryDatabase.withPath { path in
            try await EmulatorHarness.withEmulator { running in
                try await EntitleHarness.withEntitle(running, storePath: path) {
                    $0.metricsEnabled = false
                } _: { entitle in
                    let reply = try await JSONHTTPClient(baseURL: entitle.baseURL).get("metrics")
                    #expect(reply.status == 404)
                }
            }
        }
    }
}
