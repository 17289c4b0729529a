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
        @Option(
            help:
                "Notifications offered per second while the replicas run (purchases at a third of it); default: a backlog."
        )
        var rate: Double?
        @Option(help: "Pull workers per replica (ENTITLE_PULL_WORKERS); default: Entitle's.") var workers: Int?
        @Flag(help: "Pub/Sub pushes to the replica's /pubsub/push (OIDC-verified) instead of its pulling; one replica.")
        var push = false
        @OptionGroup var location: BenchEmulatorLocation

        func validate() throws {
            if push, replicas != 1 { throw ValidationError("--push delivers to one endpoint: use --replicas 1") }
        }

        func run() async throws {
            try await BenchCommand.withTarget(location, measure)
        }

        private func measure(_ target: BenchTarget, _ directory: URL, _ logger: Logger) async throws {
            let base = target.base
            let subscription = "projects/vendor/subscriptions/bench-\(UUID().uuidString.prefix(8).lowercased())"
            let witness = subscription + "-witness"
            let pubsub = PubSubClient(
                baseURL: GoogleEndpoints.emulator(at: base).pubSub,
                transport: try target.transport(logger)
            )
            // The witness receives every notification too: its publish times, by event id. The
            // bench's own subscription gathers the backlog; with --push it is made a push one once
            // the replica listens.
            for name in [subscription, witness] {
                _ = try await pubsub.createSubscription(name, PubSubSubscription(topic: target.topic))
            }
            if rate == nil { try await Self.buy(0..<purchases, target) }
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
            let children = try await startReplicas(
                target,
                pubsub: pubsub,
                subscription: subscription,
                storeURL: storeURL,
                directory: directory
            )
            defer {
                for child in children where child.isRunning { child.terminate() }
                for child in children { child.waitUntilExit() }
            }
            // Only what Entitle asks of Google is counted: the set-up's purchases are not API calls.
            try await target.resetRequests()
            let timeline = CPUSampler(pids: children.map(\.processIdentifier))
            let sampler = Task { await timeline.run() }
            let buyers = Task { [rate, purchases] in
                guard let rate else { return }
                try await Self.buy(0..<purchases, target, perSecond: rate / 3)
            }
            let events = try await waitForAll(reader, target)
            try await buyers.value
            let requests = try await target.requests()
            let peaks = children.map { ProcessUsage.peakRSS(pid: $0.processIdentifier) ?? 0 }
            sampler.cancel()
            let cpu = await sampler.value
            if let postgres = reader as? PostgresStore { await postgres.close() }
            let times = events.map(\.at)
            guard let first = times.min(), let last = times.max(), last > first else {
                throw ValidationError("nothing measured")
            }
            let seconds = last.date.timeIntervalSince(first.date)
            #if DEBUG
            let build = "debug"
            #else
            let build = "release"
            #endif
            let kind =
                (try? StoreLocation(parsing: storeURL)).map {
                    if case .postgres = $0 { "PostgreSQL" } else { "SQLite" }
                } ?? "?"
            let offered =
                (rate.map { String(format: ", %.0f/s offered", $0) } ?? ", a backlog")
                + (push ? ", pushed" : ", pulled")
            print(
                String(
                    format:
                        "notifications: %d processed (%d purchases%@) by %d replica(s) on %@ in %.2f s: %.0f/s (%@ build)",
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
            print(
                String(format: "  requests per notification: %.2f (", Double(total) / Double(events.count))
                    + byKind.joined(separator: ", ") + ")"
            )
            if let start = cpu.seconds(at: first.date), let end = cpu.seconds(at: last.date) {
                let used = zip(start, end).map { ($1 - $0) * 1000 / Double(events.count) }
                print(
                    String(
                        format: "  CPU per notification: Entitle %.3f ms, %@ %.3f ms (first to last notification)",
                        used[0],
                        target.inProcess ? "emulator and buyers" : "buyers",
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
            // An emulator elsewhere keeps running: it should not keep the bench's subscriptions.
            for name in [subscription, witness] { try? await pubsub.deleteSubscription(name) }
            let peak = peaks.max() ?? 0
            print(
                String(
                    format: "  peak memory: Entitle %.1f MB (largest replica), %@ %.1f MB",
                    Double(peak) / 1e6,
                    target.inProcess ? "emulator and buyers" : "buyers",
                    Double(ProcessUsage.selfPeakRSS()) / 1e6
                )
            )
        }

        /// Starts the `entitle serve` processes and returns once each has asked Pub/Sub for
        /// messages, or with --push, once it answers and the subscription pushes to it.
        private func startReplicas(
            _ target: BenchTarget,
            pubsub: PubSubClient,
            subscription: String,
            storeURL: String,
            directory: URL
        ) async throws -> [Process] {
            var settings = [
                "ENTITLE_SUBSCRIPTION": subscription, "ENTITLE_STORE_URL": storeURL,
                "ENTITLE_ENTITLEMENT_POLICY": "automatic",
                "ENTITLE_RESYNC_INTERVAL_SECONDS": "0",
            ]
            if let workers { settings["ENTITLE_PULL_WORKERS"] = "\(workers)" }
            // Pushed: the replica listens where the subscription will push, and verifies the token
            // the emulator signs as the key's service account for that endpoint.
            let port = push ? try BenchCommand.freePort() : 0
            let endpoint = "http://127.0.0.1:\(port)/" + PubSubPushController.path
            let email = try ServiceAccountKey.load(from: target.keyFile).client_email
            if push {
                settings["ENTITLE_DELIVERY"] = "push"
                settings["ENTITLE_PUSH_SERVICE_ACCOUNT"] = email
                settings["ENTITLE_PUSH_AUDIENCE"] = endpoint
                settings["ENTITLE_HTTP_PORT"] = "\(port)"
            }
            try await target.resetRequests()
            let children = try (0..<replicas).map { index in
                try BenchCommand.serve(target, settings: settings, directory: directory, name: "\(index)")
            }
            let deadline = ContinuousClock.now + .seconds(60)
            while !(try await started(target, port: port)) {
                guard ContinuousClock.now < deadline, children.allSatisfy(\.isRunning) else {
                    throw ValidationError("the replicas did not start; their logs: \(directory.path)/serve-*.log")
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            if push {
                try await pubsub.modifyPushConfig(
                    subscription,
                    PubSubSubscription.PushConfig(
                        pushEndpoint: endpoint,
                        oidcToken: .init(serviceAccountEmail: email, audience: endpoint)
                    )
                )
            }
            return children
        }

        /// Pulling: every replica has pulled once. Push: the replica answers its health check.
        private func started(_ target: BenchTarget, port: Int) async throws -> Bool {
            guard push else { return try await target.requests()["pubsub.subscriptions.pull", default: 0] >= replicas }
            let response = try? await HTTPClient.shared.execute(
                HTTPClientRequest(url: "http://127.0.0.1:\(port)/healthz"),
                timeout: .seconds(2)
            )
            return response?.status == .ok
        }

        /// Buys one entitlement per index, 16 at a time, or at `perSecond` (each on time, whatever
        /// the ones before it are doing).
        static func buy(_ range: Range<Int>, _ target: BenchTarget, perSecond: Double? = nil) async throws {
            guard let perSecond else {
                try await UsagePass.concurrently(range, width: 16) { index in _ = try await target.purchase(index) }
                return
            }
            let start = ContinuousClock.now
            try await withThrowingDiscardingTaskGroup { group in
                for index in range {
                    try await Task.sleep(until: start + .seconds(Double(index - range.lowerBound) / perSecond))
                    group.addTask { _ = try await target.purchase(index) }
                }
            }
        }

        /// The notifications processed, once every purchase is active and Entitle has asked
        /// nothing of Google but pulls for 3 s. Polls cheap counts, so this process's share of the
        /// CPU stays the emulator's; the audit log is read once, at the end.
        private func waitForAll(_ reader: any Store, _ target: BenchTarget) async throws -> [AuditEntry] {
            let deadline = ContinuousClock.now + .seconds(900)
            var seen: [String: Int] = [:]
            var lastChange = ContinuousClock.now
            while ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(250))
                var now = try await target.requests()
                now["pubsub.subscriptions.pull"] = nil
                if now != seen { lastChange = .now }
                seen = now
                let active = try await reader.counts().entitlements[EntitlementState.active.rawValue, default: 0]
                guard active == purchases, ContinuousClock.now - lastChange > .seconds(3) else { continue }
                let events = try await reader.auditLog(subject: nil, limit: 10 * purchases + 100).filter {
                    $0.kind == .event
                }
                if events.count >= 3 * purchases { return events }
            }
            throw ValidationError("not done within 900 s")
        }

        /// Milliseconds from each notification's publication (the witness subscription's copy) to
        /// Entitle's commit (its audit row's time, taken as the commit is made), sorted.
        private func publishToCommit(
            _ events: [AuditEntry],
            pubsub: PubSubClient,
            witness: String
        ) async throws -> [Double] {
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
