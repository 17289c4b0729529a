import ArgumentParser
import AsyncHTTPClient
import Entitle
import EntitleStore
import Foundation
import GoogleCloud
import Logging
import MarketplaceCore
import MarketplaceEmulator
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// `entitle bench …`: measurements against the in-process emulator over loopback, for the figures
/// issues ask for (speed is measured here, never by timed unit tests).
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure Entitle against the in-process emulator.",
        subcommands: [UsagePass.self, Notifications.self, Console.self]
    )

    /// Runs `body` against an emulator started in this process (automatic approval without
    /// sign-up) and a temporary folder, both gone afterwards.
    static func withEmulator(
        _ body: (MarketplaceEmulator, EmulatorOptions, URL, Logger) async throws -> Void
    ) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("entitle-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var logger = Logger(label: "entitle.bench")
        logger.logLevel = .warning
        var options = EmulatorOptions()
        options.port = 0
        options.requireSignupBeforeApproval = false
        let emulator = try MarketplaceEmulator(options: options)
        let group = ServiceGroup(configuration: .init(services: [emulator], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var failure: (any Error)?
            do { try await body(emulator, options, directory, logger) } catch { failure = error }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            if let failure { throw failure }
        }
    }

    struct UsagePass: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "usage-pass",
            abstract: "One usage reporting pass over N active entitlements, each with usage in the last hour: requests and time."
        )
        @Option(help: "Active entitlements, each with one metric's usage to report.") var entitlements = 10_000
        @Option(help: "Checks in flight at once (and purchases during set-up).") var concurrency = 16

        func run() async throws {
            try await BenchCommand.withEmulator(measure)
        }

        private func measure(_ emulator: MarketplaceEmulator, _ options: EmulatorOptions, _ directory: URL, _ logger: Logger) async throws {
            let base = await emulator.baseURL()
            let endpoints = GoogleEndpoints.emulator(at: base)
            let key = try ServiceAccountKey(try await emulator.serviceAccountKeyFile())
            let transport = GoogleAPITransport(credentials: try ServiceAccountTokenProvider(key: key, logger: logger), logger: logger)
            let procurement = ProcurementClient(provider: options.provider, baseURL: endpoints.procurement, transport: transport)
            let token = await emulator.mintAccessToken()
            let setup = ContinuousClock.now
            try await Self.concurrently(0..<entitlements, width: concurrency) { index in
                let id = try await Self.purchase(base, token: token, account: "BENCH-\(index)")
                try await procurement.approveEntitlement(id)
            }
            let store = try await SQLiteStore(path: directory.appendingPathComponent("entitle.sqlite").path)
            var local: [LocalEntitlement] = []
            for try await entitlement in procurement.entitlements(pageSize: 1000) {
                if let id = entitlement.id { local.append(LocalEntitlement(id: id, accountID: entitlement.accountID, resource: entitlement)) }
            }
            let now = Timestamp(Date())
            let hour = UsageWindow.containing(now.adding(seconds: -3600), length: 3600).start
            for start in stride(from: 0, to: local.count, by: 1000) {
                let chunk = Array(local[start..<min(start + 1000, local.count)])
                _ = try await store.commit(StoreCommit(entitlements: chunk))
                let usage = chunk.map {
                    UsageSubmission(
                        entitlementID: $0.id,
                        metric: "requests",
                        quantity: 10,
                        time: hour.adding(seconds: 60),
                        idempotencyKey: "bench-\($0.id.rawValue)"
                    )
                }
                _ = try await store.recordUsage(usage, app: "bench", windowLength: 3600, at: now)
            }
            print("set-up: \(local.count) active entitlements with usage in \(ContinuousClock.now - setup)")

            let reporter = UsageReporter(
                store: store,
                serviceControl: ServiceControlClient(baseURL: endpoints.serviceControl, transport: transport),
                settings: .init(checkConcurrency: concurrency),
                logger: logger
            )
            let started = ContinuousClock.now
            let summary = try await reporter.pass()
            let elapsed = ContinuousClock.now - started
            print(
                "usage pass over \(local.count) entitlements: \(summary.sealed) operations sealed, \(summary.checks) check requests (\(concurrency) at a time), \(summary.reportRequests) report requests, \(summary.reported) reported, in \(elapsed)"
            )
            let again = ContinuousClock.now
            let idle = try await reporter.pass()
            print("next pass (nothing to send): \(idle.checks) checks, \(idle.reportRequests) reports, in \(ContinuousClock.now - again)")
            guard summary.reported == local.count else { throw ExitCode.failure }
        }

        static func purchase(_ base: URL, token: String, account: String) async throws -> EntitlementID {
            struct Purchase: Decodable {
                var entitlementId: String
            }
            var request = HTTPClientRequest(url: base.appendingPathComponent("emulator/v1/purchases").absoluteString)
            request.method = .POST
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            request.headers.add(name: "Content-Type", value: "application/json")
            let body = ["product": "example-messaging-service", "plan": "basic", "account": account]
            request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(body)))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            let bytes = try await response.body.collect(upTo: 1024 * 1024)
            return try EntitlementID(try JSONDecoder().decode(Purchase.self, from: Data(bytes.readableBytesView)).entitlementId)
        }

        /// `body` for each element, `width` at a time.
        static func concurrently(_ range: Range<Int>, width: Int, _ body: @escaping @Sendable (Int) async throws -> Void) async throws {
            try await withThrowingTaskGroup(of: Void.self) { group in
                var next = range.lowerBound
                while next < range.upperBound, next - range.lowerBound < width {
                    let index = next
                    group.addTask { try await body(index) }
                    next += 1
                }
                while try await group.next() != nil, next < range.upperBound {
                    let index = next
                    group.addTask { try await body(index) }
                    next += 1
                }
                try await group.waitForAll()
            }
        }
    }
}
