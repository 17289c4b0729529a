import Entitle
import EntitleTestSupport
import Foundation
import GoogleCloud
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// `/healthz` is liveness with the version; `/readyz` says whether this replica can work, here
/// with a real subscription missing and then created (`AdminRouterTests` has the probes alone).
@Suite(.paced) struct HealthTests {
    static let adminToken = "health-admin-token-0123456789abcdef"

    struct Health: Decodable {
        var status: String
        var version: String?
        var problems: [String: String]?
    }

    @Test(
        "readyz is 503 with the reason while the subscription cannot be pulled, and 200 once it can; healthz stays 200 with the version"
    )
    func readiness() async throws {
        try await TemporaryDatabase.withPath { path in
            var options = EmulatorOptions()
            options.pullWait = .milliseconds(100)
            try await EmulatorHarness.withEmulator(options) { running in
                try await EntitleHarness.withEntitle(
                    running,
                    storePath: path,
                    createSubscription: false,
                    configure: { $0.adminToken = Self.adminToken }
                ) { entitle in
                    // Only the admin token's holder learns why: anyone else, not ready.
                    let site = JSONHTTPClient(
                        baseURL: entitle.baseURL,
                        headers: ["Authorization": "Bearer \(Self.adminToken)"]
                    )
                    var ready = try await site.get("readyz")
                    let refused = try await eventually(within: .seconds(10), every: .milliseconds(50)) {
                        ready = try await site.get("readyz")
                        return ready.status == 503
                    }
                    #expect(refused, "\(ready)")
                    let problem = try JSONDecoder().decode(Health.self, from: Data(ready.text.utf8)).problems?[
                        "subscription"
                    ]
                    #expect(
                        problem?.contains("404") == true && problem?.contains(EntitleHarness.subscription) == true,
                        "\(ready)"
                    )
                    let anonymous = try await JSONHTTPClient(baseURL: entitle.baseURL).get("readyz")
                    let told = try JSONDecoder().decode(Health.self, from: Data(anonymous.text.utf8))
                    #expect(
                        anonymous.status == 503 && told.problems == nil && told.version == nil
                            && !anonymous.text.contains(EntitleHarness.subscription),
                        "\(anonymous)"
                    )
                    let health = try await site.get("healthz")
                    let version = try health.decode(Health.self).version
                    #expect(health.status == 200 && version == EntitleVersion.current, "\(health)")

                    try await running.pubSubClient(try await running.transport()).createSubscription(
                        EntitleHarness.subscription,
                        PubSubSubscription(topic: running.emulator.options.topic)
                    )
                    let recovered = try await eventually(within: .seconds(40), every: .milliseconds(100)) {
                        ready = try await site.get("readyz")
                        return ready.status == 200
                    }
                    #expect(recovered, "ready once the subscription exists: \(ready)")
                }
            }
        }
    }
}
