import Entitle
import EntitleTestSupport
import Foundation
import GoogleCloud
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// `entitle doctor` (the built binary) against the emulator: all ✔ when the deployment is right,
/// and each seeded fault gives exactly its own ✘ line and exit status 1.
@Suite(.paced) struct DoctorTests {
    static let subscription = "projects/vendor/subscriptions/entitle"

    struct Report: Decodable {
        var ok: Bool
        var checks: [DoctorCheck]
    }

    @Test(
        "all checks pass on a right configuration (after `entitle migrate`); a wrong provider, a subscription on another topic, a refused Service Control check, a webhook answering 500 and an unmigrated store each fail exactly their own check"
    )
    func doctor() async throws {
        let receiver = HTTPReceiver()
        try await receiver.serve { webhook in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "entitle-doctor-\(UUID().uuidString)"
            )
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            do {
                try await EmulatorHarness.withEmulator { running in
                    let executable = try ChildProcess.builtExecutable("entitle")
                    let pubsub = running.pubSubClient(try await running.transport())
                    try await pubsub.createSubscription(
                        Self.subscription,
                        PubSubSubscription(topic: running.emulator.options.topic)
                    )
                    try await pubsub.createTopic("projects/vendor/topics/elsewhere")
                    try await pubsub.createSubscription(
                        "projects/vendor/subscriptions/elsewhere",
                        PubSubSubscription(topic: "projects/vendor/topics/elsewhere")
                    )
                    _ = try await running.control.buy(product: "example-messaging-service", plan: "basic")
                    let keyFile = directory.appendingPathComponent("key.json")
                    try running.emulator.serviceAccountKeyFile(base: running.baseURL).json().write(to: keyFile)
                    let configFile = directory.appendingPathComponent("entitle.json")
                    try Data(#"{"usageMetrics": {"example-messaging-service": {"basic": ["requests"]}}}"#.utf8).write(
                        to: configFile
                    )
                    let store = directory.appendingPathComponent("entitle.sqlite").path
                    let environment = [
                        "ENTITLE_GOOGLE_BASE_URL": running.baseURL.absoluteString,
                        "ENTITLE_GOOGLE_CREDENTIALS": keyFile.path,
                        "ENTITLE_PROVIDER_ID": running.provider, "ENTITLE_SUBSCRIPTION": Self.subscription,
                        "ENTITLE_SIGNUP_AUDIENCES": "localhost", "ENTITLE_STORE_URL": store,
                        "ENTITLE_CALLBACK_URL": webhook.absoluteString,
                        "ENTITLE_CALLBACK_SECRET": "doctor-callback-secret-0123",
                    ]
                    func doctor(
                        _ changes: [String: String] = [:],
                        json: Bool = false
                    ) async throws -> (status: Int32, output: String, failed: [String]) {
                        let result = try await ChildProcess.run(
                            executable,
                            arguments: ["doctor", "--config", configFile.path] + (json ? ["--json"] : []),
                            environment: environment.merging(changes) { $1 }
                        )
                        let failed = result.output.split(separator: "\n").filter { $0.hasPrefix("✘") }.map(String.init)
                        return (result.status, result.output, failed)
                    }
                    let migrate = try await ChildProcess.run(
                        executable,
                        arguments: ["migrate"],
                        environment: environment
                    )
                    #expect(migrate.status == 0 && migrate.output.contains("schema up to date"), "\(migrate)")

                    let healthy = try await doctor()
                    #expect(healthy.status == 0 && healthy.failed.isEmpty, "\(healthy.output)")
                    for check in [
                        "credentials", "token", "procurement", "subscription", "service control", "sign-up",
                        "callbacks", "store", "clock",
                    ] {
                        #expect(healthy.output.contains("✔ \(check):"), "\(check): \(healthy.output)")
                    }
                    #expect(healthy.output.contains(running.emulator.options.topic))
                    let ping = try #require(await receiver.requests.last)
                    #expect(ping.headers["entitle-callback-type"] == "ping")
                    #expect(
                        CallbackSigner(secret: "doctor-callback-secret-0123").verify(
                            header: ping.headers["entitle-signature"] ?? "",
                            body: ping.body,
                            now: Date()
                        )
                    )
                    let report = try JSONDecoder().decode(
                        Report.self,
                        from: Data(try await doctor(json: true).output.utf8)
                    )
                    #expect(
                        report.ok && report.checks.allSatisfy { $0.status == .pass } && report.checks.count == 9,
                        "\(report)"
                    )

                    let provider = try await doctor(["ENTITLE_PROVIDER_ID": "OTHER-provider"])
                    #expect(
                        provider.status == 1 && provider.failed.count == 1
                            && provider.failed[0].hasPrefix("✘ procurement:"),
                        "\(provider.output)"
                    )
                    #expect(provider.output.contains("Producer Portal"), "the linkage is named as the likely cause")

                    let topic = try await doctor(["ENTITLE_SUBSCRIPTION": "projects/vendor/subscriptions/elsewhere"])
                    #expect(
                        topic.status == 1 && topic.failed.count == 1 && topic.failed[0].hasPrefix("✘ subscription:"),
                        "\(topic.output)"
                    )
                    #expect(topic.output.contains("gcloud pubsub subscriptions create"))

                    _ = try await running.http.post(
                        "emulator/v1/refusals",
                        ["consumerId": DeploymentDoctor.probeConsumer, "code": "PERMISSION_DENIED", "method": "check"]
                    )
                    let refused = try await doctor()
                    #expect(
                        refused.status == 1 && refused.failed.count == 1
                            && refused.failed[0].hasPrefix("✘ service control:"),
                        "\(refused.output)"
                    )
                    _ = try await running.http.send(
                        "POST",
                        "emulator/v1/refusals",
                        raw: Data(#"{"consumerId": "\#(DeploymentDoctor.probeConsumer)", "code": null}"#.utf8)
                    )

                    await receiver.respond(with: [500])
                    let webhookFails = try await doctor()
                    #expect(
                        webhookFails.status == 1 && webhookFails.failed.count == 1
                            && webhookFails.failed[0].hasPrefix("✘ callbacks:"),
                        "\(webhookFails.output)"
                    )

                    // Push delivery: the subscription must push to Entitle's endpoint with the configured audience and account.
                    let endpoint = "https://entitle.example.com/pubsub/push"
                    let push = PubSubSubscription.PushConfig(
                        pushEndpoint: endpoint,
                        oidcToken: .init(
                            serviceAccountEmail: "pubsub-push@vendor.iam.gserviceaccount.com",
                            audience: endpoint
                        )
                    )
                    try await pubsub.createSubscription(
                        "projects/vendor/subscriptions/pushed",
                        PubSubSubscription(topic: running.emulator.options.topic, pushConfig: push)
                    )
                    let pushSettings = [
                        "ENTITLE_DELIVERY": "push", "ENTITLE_SUBSCRIPTION": "projects/vendor/subscriptions/pushed",
                        "ENTITLE_PUBLIC_URL": "https://entitle.example.com",
                        "ENTITLE_PUSH_SERVICE_ACCOUNT": "pubsub-push@vendor.iam.gserviceaccount.com",
                    ]
                    let pushed = try await doctor(pushSettings)
                    #expect(
                        pushed.status == 0
                            && pushed.output.contains(
                                "✔ subscription: projects/vendor/subscriptions/pushed pushes to \(endpoint)"
                            ),
                        "\(pushed.output)"
                    )
                    let otherAudience = try await doctor(
                        pushSettings.merging(["ENTITLE_PUSH_AUDIENCE": "https://other.example.com"]) { $1 }
                    )
                    #expect(
                        otherAudience.status == 1 && otherAudience.failed.count == 1
                            && otherAudience.failed[0].contains("OIDC audience"),
                        "\(otherAudience.output)"
                    )

                    let unmigrated = try await doctor([
                        "ENTITLE_STORE_URL": directory.appendingPathComponent("new.sqlite").path
                    ])
                    #expect(
                        unmigrated.status == 1 && unmigrated.failed.count == 1
                            && unmigrated.failed[0].hasPrefix("✘ store:"),
                        "\(unmigrated.output)"
                    )
                    #expect(
                        !FileManager.default.fileExists(atPath: directory.appendingPathComponent("new.sqlite").path),
                        "the doctor creates no store"
                    )
                    #expect(try await doctor().status == 0, "healthy again once the faults are gone")
                }
            }
        }
    }
}
