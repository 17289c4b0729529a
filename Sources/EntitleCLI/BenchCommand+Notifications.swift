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

extension BenchCommand {
    /// `entitle bench notifications`: end-to-end notification throughput of `entitle serve`
    /// processes (this executable, as a vendor runs it) against the in-process emulator.
    struct Notifications: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "notifications",
            abstract: "Notifications per second, end to end, with one or more `entitle serve` replicas on one store.",
            discussion: """
                Buys N entitlements first (each publishes its creation notification, and its approval an \
                activation), then starts the replicas on one subscription with automatic approval and \
                measures from the first notification processed to the last (the audit log's times), so \
                start-up is not counted. --store must name an empty database; by default a new SQLite file.
                """
        )
        @Option(help: "Entitlements bought before the replicas start (two notifications each).") var purchases = 1_000
        @Option(help: "`entitle serve` processes on one store and subscription.") var replicas = 1
        @Option(help: "storeURL of an empty database (postgres://…); default: a new SQLite file.") var store: String?

        func run() async throws {
            try await BenchCommand.withEmulator(measure)
        }

        private func measure(_ emulator: MarketplaceEmulator, _ options: EmulatorOptions, _ directory: URL, _ logger: Logger) async throws {
            let base = await emulator.baseURL()
            let subscription = "projects/vendor/subscriptions/bench"
            let key = try ServiceAccountKey(try await emulator.serviceAccountKeyFile())
            let transport = GoogleAPITransport(credentials: try ServiceAccountTokenProvider(key: key, logger: logger), logger: logger)
            _ = try await PubSubClient(baseURL: GoogleEndpoints.emulator(at: base).pubSub, transport: transport)
                .createSubscription(subscription, PubSubSubscription(topic: options.topic))
            let token = await emulator.mintAccessToken()
            try await UsagePass.concurrently(0..<purchases, width: 16) { index in
                _ = try await UsagePass.purchase(base, token: token, account: "BENCH-\(index)")
            }
            let keyFile = directory.appendingPathComponent("key.json")
            try emulator.serviceAccountKeyFile(base: base).json().write(to: keyFile)
            let storeURL = store ?? directory.appendingPathComponent("entitle.sqlite").path
            let environment = ProcessInfo.processInfo.environment.merging(
                [
                    "ENTITLE_GOOGLE_BASE_URL": base.absoluteString, "ENTITLE_GOOGLE_CREDENTIALS": keyFile.path,
                    "ENTITLE_PROVIDER_ID": options.provider.rawValue, "ENTITLE_SUBSCRIPTION": subscription, "ENTITLE_SIGNUP_AUDIENCES": "localhost",
                    "ENTITLE_STORE_URL": storeURL, "ENTITLE_HTTP_PORT": "0", "ENTITLE_ENTITLEMENT_POLICY": "automatic",
                    "ENTITLE_RESYNC_INTERVAL_SECONDS": "0",
                ],
                uniquingKeysWith: { _, bench in bench }
            )
            let reader = try await EntitleServer.openStore(
                {
                    var c = EntitleConfiguration()
                    c.storeURL = storeURL
                    return c
                }(),
                logger: logger
            )
            guard try await reader.entitlements(state: nil, after: nil, limit: 1).isEmpty else {
                throw ValidationError("--store must name an empty database")
            }
            let executable = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
            let children = try (0..<replicas).map { index in
                let process = Process()
                process.executableURL = executable
                process.arguments = ["serve"]
                process.environment = environment
                let log = directory.appendingPathComponent("serve-\(index).log")
                _ = FileManager.default.createFile(atPath: log.path, contents: nil)
                let handle = try FileHandle(forWritingTo: log)
                process.standardOutput = handle
                process.standardError = handle
                try process.run()
                return process
            }
            defer {
                for child in children where child.isRunning { child.terminate() }
                for child in children { child.waitUntilExit() }
            }
            // Only what Entitle asks of Google is counted: the set-up's purchases are not API calls.
            _ = try await HTTPClient.shared.execute(
                {
                    var request = HTTPClientRequest(url: base.absoluteString + "emulator/v1/requests")
                    request.method = .DELETE
                    return request
                }(),
                timeout: .seconds(10)
            )
            let events = try await waitForAll(reader)
            let requests = try await Self.requests(base)
            if let postgres = reader as? PostgresStore { await postgres.close() }
            let times = events.map(\.at)
            guard let first = times.min(), let last = times.max(), last > first else { throw ValidationError("nothing measured") }
            let seconds = Double(last.seconds - first.seconds) + Double(last.nanos - first.nanos) / 1e9
            #if DEBUG
            let build = "debug"
            #else
            let build = "release"
            #endif
            let kind = (try? StoreLocation(parsing: storeURL)).map { if case .postgres = $0 { "PostgreSQL" } else { "SQLite" } } ?? "?"
            print(
                String(
                    format: "notifications: %d processed (%d purchases) by %d replica(s) on %@ in %.2f s: %.0f/s (%@ build)",
                    events.count,
                    purchases,
                    replicas,
                    kind,
                    seconds,
                    Double(events.count) / seconds,
                    build
                )
            )
            // Includes the polls of idle workers while the backlog drains, and the 3 s of quiet at the end.
            let total = requests.values.reduce(0, +)
            let byKind = requests.sorted { $0.value > $1.value }.map {
                "\($0.key) " + String(format: "%.2f", Double($0.value) / Double(events.count))
            }
            print(String(format: "  requests per notification: %.2f (", Double(total) / Double(events.count)) + byKind.joined(separator: ", ") + ")")
        }

        /// The emulator's count of calls to Google's APIs, by kind.
        static func requests(_ base: URL) async throws -> [String: Int] {
            let response = try await HTTPClient.shared.execute(
                HTTPClientRequest(url: base.absoluteString + "emulator/v1/requests"),
                timeout: .seconds(10)
            )
            let body = try await response.body.collect(upTo: 1024 * 1024)
            return try JSONDecoder().decode([String: Int].self, from: Data(body.readableBytesView))
        }

        /// The notifications processed, once every purchase is active and no more arrive for 3 s.
        private func waitForAll(_ reader: any Store) async throws -> [AuditEntry] {
            let deadline = ContinuousClock.now + .seconds(900)
            var events: [AuditEntry] = []
            var lastChange = ContinuousClock.now
            while ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(500))
                let now = try await reader.auditLog(subject: nil, limit: 10 * purchases + 100).filter { $0.kind == .event }
                if now.count != events.count { lastChange = .now }
                events = now
                let active = try await reader.entitlements(state: .active, after: nil, limit: purchases + 1).count
                if active == purchases && ContinuousClock.now - lastChange > .seconds(3) { return events }
            }
            throw ValidationError("not done within 900 s: \(events.count) notifications processed")
        }
    }
}
