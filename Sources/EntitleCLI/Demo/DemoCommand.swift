import ArgumentParser
import Entitle
import Foundation
import GoogleCloud
import Logging
import MarketplaceCore
import MarketplaceEmulator
import ServiceLifecycle

/// `entitle demo`: sandbox mode on free ports with a temporary store, then the scripted journey
/// for a product approved after sign-up and one an administrator approves. Exits 0 only when every
/// step reached its state and the final states match.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the sandbox with a scripted customer journey and print its timeline."
    )

    func run() async throws {
        do {
            try await Self.play { print($0) }
            print("demo passed")
        } catch {
            print("demo FAILED: \(error)")
            throw ExitCode.failure
        }
    }

    /// Starts the sandbox, runs the journey for both products, stops the sandbox; throws the first
    /// step that did not hold (after the sandbox stopped).
    static func play(log: @escaping @Sendable (String) -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "entitle-demo-\(UUID().uuidString)"
        )
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var logger = Logger(label: "entitle.demo")
        logger.logLevel = .warning
        var options = EmulatorOptions()
        options.port = 0
        let emulator = try MarketplaceEmulator(options: options)
        let emulatorGroup = ServiceGroup(configuration: .init(services: [emulator], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await emulatorGroup.run() }
            defer { tasks.cancelAll() }
            let base = await emulator.baseURL()
            var configuration = EntitleConfiguration()
            configuration.httpPort = 0
            configuration.storeURL = directory.appendingPathComponent("entitle.sqlite").path
            configuration.signupAudiences = [options.signupAudience]
            configuration.adminToken = UUID().uuidString
            configuration.productPolicies = [
                "example-analytics.gcpmarketplace.example.com": ApprovalPolicy(
                    entitlement: .manual,
                    planChange: .manual
                )
            ]
            let key = try ServiceAccountKey(try await emulator.serviceAccountKeyFile())
            let google = EntitleServer.Google(
                endpoints: .emulator(at: base),
                credentials: try ServiceAccountTokenProvider(key: key, logger: logger),
                provider: options.provider,
                subscription: "projects/entitle-demo/subscriptions/entitle",
                createSubscriptionOn: options.topic
            )
            let built = try await EntitleServer.build(configuration, google: google, logger: logger)
            let entitleGroup = ServiceGroup(configuration: .init(services: built.services, logger: logger))
            tasks.addTask { try await entitleGroup.run() }
            let entitle = URL(string: "http://127.0.0.1:\(await built.listening())/")!
            log("sandbox: emulator \(base), Entitle \(entitle)")
            let journey = DemoJourney(
                emulator: base,
                entitle: entitle,
                adminToken: configuration.adminToken ?? "",
                log: log
            )
            var failure: (any Error)?
            do {
                try await journey.run(
                    .init(id: "example-messaging-service", plan: "basic", changeTo: "standard", manual: false)
                )
                try await journey.run(
                    .init(id: "example-analytics", plan: "team", changeTo: "enterprise", manual: true)
                )
            } catch {
                failure = error
            }
            await entitleGroup.triggerGracefulShutdown()
            await emulatorGroup.triggerGracefulShutdown()
            try await tasks.waitForAll()
            if let failure { throw failure }
        }
    }
}
