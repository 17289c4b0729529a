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
                By default buys N entitlements first (each publishes an account's and its creation \
                notification, and its approval an activation), then starts the replicas on one subscription \
                with automatic approval and measures from the first notification processed to the last (the \
                audit log's times), so start-up is not counted. With --rate the replicas start first and the \
                purchases come at a steady pace while they run, for the time from publication to commit. \
                Prints notifications per second, requests to Google per notification by kind, CPU time per \
                notification of the replicas (from /proc) and of this process (the emulator and the buyers, \
                from getrusage), publication-to-commit percentiles and peak memory. --store must name an \
                empty database; by default a new SQLite file.
                """
        )
        @Option(help: "Entitlements bought (three notifications each).") var purchases = 1_000
        @Option(help: "`entitle serve` processes on one store and subscription.") var replicas = 1
        @Option(help: "storeURL of an empty database (postgres://…); default: a new SQLite file.") var store: String?
        @Option(help: "Notifications offered per second while the replicas run (purchases at a third of it); default: a backlog.")
        var rate: Double?
        @Option(help: "Pull workers per replica (ENTITLE_PULL_WORKERS); default: Entitle's.") var workers: Int?

        func run() async throws {
            try await BenchCommand.withEmulator(measure)
        }

        private func measure(_ emulator: MarketplaceEmulator, _ options: EmulatorOptions, _ directory: URL, _ logger: Logger) async throws {
            let base = await emulator.baseURL()
            let subscription = "projects/vendor/subscriptions/bench"
            let witness = "projects/vendor/subscriptions/bench-witness"
            let key = try ServiceAccountKey(try await emulator.serviceAccountKeyFile())
            let transport = GoogleAPITransport(credentials: try ServiceAccountTokenProvider(key: key, logger: logger), logger: logger)
            let pubsub = PubSubClient(baseURL: GoogleEndpoints.emulator(at: base).pubSub, transport: transport)
            // The witness receives every notification too: its publish times, by event id.
            for name in [subscription, witness] { _ = try await pubsub.createSubscription(name, PubSubSubscription(topic: options.topic)) }
            let token = await emulator.mintAccessToken()
            if rate == nil { try await Self.buy(0..<purchases, base: base, token: token) }
            let storeURL = store ?? directory.appendingPathComponent("entitle.sqlite").path
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
            let children = try await startReplicas(emulator, base: base, subscription: subscription, storeURL: storeURL, directory: directory)
            defer {
                for child in children where child.isRunning { child.terminate() }
                for child in children { child.waitUntilExit() }
            }
            // Only what Entitle asks of Google is counted: the set-up's purchases are not API calls.
            try await Self.resetRequests(base)
            let timeline = CPUSampler(pids: children.map(\.processIdentifier))
            let sampler = Task { await timeline.run() }
            let buyers = Task { [rate, purchases] in
                guard let rate else { return }
                try await Self.buy(0..<purchases, base: base, token: token, perSecond: rate / 3)
            }
            let events = try await waitForAll(reader, base: base)
            try await buyers.value
            let requests = try await Self.requests(base)
            let peaks = children.map { ProcessUsage.peakRSS(pid: $0.processIdentifier) ?? 0 }
            sampler.cancel()
            let cpu = await sampler.value
            if let postgres = reader as? PostgresStore { await postgres.close() }
            let times = events.map(\.at)
            guard let first = times.min(), let last = times.max(), last > first else { throw ValidationError("nothing measured") }
            let seconds = last.date.timeIntervalSince(first.date)
            #if DEBUG
            let build = "debug"
            #else
            let build = "release"
            #endif
            let kind = (try? StoreLocation(parsing: storeURL)).map { if case .postgres = $0 { "PostgreSQL" } else { "SQLite" } } ?? "?"
            let offered = rate.map { String(format: ", %.0f/s offered", $0) } ?? ", a backlog"
            print(
                String(
                    format: "notifications: %d processed (%d purchases%@) by %d replica(s) on %@ in %.2f s: %.0f/s (%@ build)",
                    events.count,
                    purchases,
                    offered,
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
            if let start = cpu.seconds(at: first.date), let end = cpu.seconds(at: last.date) {
                let used = zip(start, end).map { ($1 - $0) * 1000 / Double(events.count) }
                print(
                    String(
                        format: "  CPU per notification: Entitle %.3f ms, emulator and buyers %.3f ms (first to last notification)",
                        used[0],
                        used[1]
                    )
                )
            }
            let lags = try await publishToCommit(events, pubsub: pubsub, witness: witness)
            if !lags.isEmpty {
                print(
                    String(
                        format: "  publication to commit: p50 %.1f ms, p99 %.1f ms, max %.1f ms (%d notifications)",
                        Self.percentile(lags, 0.5),
                        Self.percentile(lags, 0.99),
                        lags.last ?? 0,
                        lags.count
                    )
                )
            }
            let peak = peaks.max() ?? 0
            print(
                String(
                    format: "  peak memory: Entitle %.1f MB (largest replica), emulator and buyers %.1f MB",
                    Double(peak) / 1e6,
                    Double(ProcessUsage.selfPeakRSS()) / 1e6
                )
            )
        }

        /// Starts the `entitle serve` processes and returns once each has asked Pub/Sub for messages.
        private func startReplicas(
            _ emulator: MarketplaceEmulator,
            base: URL,
            subscription: String,
            storeURL: String,
            directory: URL
        ) async throws -> [Process] {
            var settings = [
                "ENTITLE_SUBSCRIPTION": subscription, "ENTITLE_STORE_URL": storeURL, "ENTITLE_ENTITLEMENT_POLICY": "automatic",
                "ENTITLE_RESYNC_INTERVAL_SECONDS": "0",
            ]
            if let workers { settings["ENTITLE_PULL_WORKERS"] = "\(workers)" }
            try await Self.resetRequests(base)
            let children = try (0..<replicas).map { index in
                try BenchCommand.serve(emulator, base: base, settings: settings, directory: directory, name: "\(index)")
            }
            let deadline = ContinuousClock.now + .seconds(60)
            while try await Self.requests(base)["pubsub.pull", default: 0] < replicas {
                guard ContinuousClock.now < deadline, children.allSatisfy(\.isRunning) else {
                    throw ValidationError("the replicas did not start pulling; their logs: \(directory.path)/serve-*.log")
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            return children
        }

        /// Buys one entitlement per index, 16 at a time, or at `perSecond` (each on time, whatever
        /// the ones before it are doing).
        static func buy(_ range: Range<Int>, base: URL, token: String, perSecond: Double? = nil) async throws {
            guard let perSecond else {
                try await UsagePass.concurrently(range, width: 16) { index in
                    _ = try await UsagePass.purchase(base, token: token, account: "BENCH-\(index)")
                }
                return
            }
            let start = ContinuousClock.now
            try await withThrowingDiscardingTaskGroup { group in
                for index in range {
                    try await Task.sleep(until: start + .seconds(Double(index - range.lowerBound) / perSecond))
                    group.addTask { _ = try await UsagePass.purchase(base, token: token, account: "BENCH-\(index)") }
                }
            }
        }

        static func resetRequests(_ base: URL) async throws {
            var request = HTTPClientRequest(url: base.absoluteString + "emulator/v1/requests")
            request.method = .DELETE
            _ = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
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

        /// The notifications processed, once every purchase is active and Entitle has asked
        /// nothing of Google but pulls for 3 s. Polls cheap counts, so this process's share of the
        /// CPU stays the emulator's; the audit log is read once, at the end.
        private func waitForAll(_ reader: any Store, base: URL) async throws -> [AuditEntry] {
            let deadline = ContinuousClock.now + .seconds(900)
            var seen: [String: Int] = [:]
            var lastChange = ContinuousClock.now
            while ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(250))
                var now = try await Self.requests(base)
                now["pubsub.pull"] = nil
                if now != seen { lastChange = .now }
                seen = now
                let active = try await reader.counts().entitlements[EntitlementState.active.rawValue, default: 0]
                guard active == purchases, ContinuousClock.now - lastChange > .seconds(3) else { continue }
                let events = try await reader.auditLog(subject: nil, limit: 10 * purchases + 100).filter { $0.kind == .event }
                if events.count >= 3 * purchases { return events }
            }
            throw ValidationError("not done within 900 s")
        }

        /// Milliseconds from each notification's publication (the witness subscription's copy) to
        /// Entitle's commit (its audit row's time, taken as the commit is made), sorted.
        private func publishToCommit(_ events: [AuditEntry], pubsub: PubSubClient, witness: String) async throws -> [Double] {
            struct Envelope: Decodable { var eventId: String }
            var published: [String: Timestamp] = [:]
            while true {
                let batch = try await pubsub.pull(witness, maxMessages: 1000, returnImmediately: true)
                if batch.isEmpty { break }
                for received in batch {
                    guard let data = received.message.data, let time = received.message.publishTime,
                        let envelope = try? JSONDecoder().decode(Envelope.self, from: data)
                    else { continue }
                    published[envelope.eventId] = time
                }
                try await pubsub.acknowledge(witness, ackIDs: batch.map(\.ackId))
            }
            return events.compactMap { event in
                event.eventID.flatMap { published[$0] }.map { event.at.date.timeIntervalSince($0.date) * 1000 }
            }.sorted()
        }

        static func percentile(_ sorted: [Double], _ p: Double) -> Double {
            sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
        }
    }
}

/// Samples the replicas' CPU (summed) and this process's every 50 ms until cancelled.
private struct CPUSampler: Sendable {
    let pids: [Int32]

    func run() async -> CPUTimeline {
        var timeline = CPUTimeline()
        repeat {
            let children = pids.compactMap(ProcessUsage.cpuSeconds(pid:)).reduce(0, +)
            timeline.record([children, ProcessUsage.selfCPUSeconds()])
            try? await Task.sleep(for: .milliseconds(50))
        } while !Task.isCancelled
        return timeline
    }
}
