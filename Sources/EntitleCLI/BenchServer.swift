import ArgumentParser
import AsyncHTTPClient
import Entitle
import Foundation
import GoogleCloud
import Logging
import MarketplaceCore
import MarketplaceEmulator
import ServiceLifecycle

/// `entitle serve` built in this process on a prepared store, against the bench's emulator, for the
/// benches that time HTTP answers (the console's pages, `/metrics`); and the figures they print.
enum BenchServer {
    /// Runs `body` with the server's base URL and an HTTP client that does not follow redirects.
    static func run(
        storePath: String,
        emulator: MarketplaceEmulator,
        options: EmulatorOptions,
        logger: Logger,
        adminToken: String? = nil,
        _ body: (String, HTTPClient) async throws -> Void
    ) async throws {
        var configuration = EntitleConfiguration()
        configuration.httpPort = 0
        configuration.storeURL = storePath
        configuration.signupAudiences = ["localhost"]
        configuration.resyncIntervalSeconds = 0
        configuration.usageReportIntervalSeconds = 0
        configuration.adminToken = adminToken
        let key = try ServiceAccountKey(try await emulator.serviceAccountKeyFile())
        let google = EntitleServer.Google(
            endpoints: .emulator(at: await emulator.baseURL()),
            credentials: try ServiceAccountTokenProvider(key: key, logger: logger),
            provider: options.provider,
            subscription: "projects/vendor/subscriptions/bench",
            createSubscriptionOn: options.topic
        )
        let built = try await EntitleServer.build(configuration, google: google, logger: logger)
        let group = ServiceGroup(configuration: .init(services: built.services, logger: logger))
        // Redirects are answers to measure, not to follow.
        let client = HTTPClient(
            eventLoopGroup: HTTPClient.defaultEventLoopGroup,
            configuration: .init(redirectConfiguration: .disallow)
        )
        defer { _ = client.shutdown() }
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var failure: (any Error)?
            do { try await body("http://127.0.0.1:\(await built.listening())", client) } catch { failure = error }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            if let failure { throw failure }
        }
    }

    /// "release" or "debug": figures that matter are release builds.
    static var build: String {
        #if DEBUG
        "debug"
        #else
        "release"
        #endif
    }

    /// How long `body` took, in milliseconds.
    static func milliseconds(_ body: () async throws -> Void) async rethrows -> Double {
        let started = ContinuousClock.now
        try await body()
        let elapsed = ContinuousClock.now - started
        return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
    }

    /// "p50 … p99 … max …" of `times` (milliseconds).
    static func figures(_ times: [Double]) -> String {
        let sorted = times.sorted()
        return figures(
            p50: sorted[sorted.count / 2],
            p99: sorted[min(sorted.count - 1, sorted.count * 99 / 100)],
            max: sorted.last ?? 0
        )
    }

    static func figures(p50: Double, p99: Double, max: Double) -> String {
        String(format: "p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms", p50, p99, max)
    }
}
