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
        subcommands: [UsagePass.self, UsageIntake.self, Notifications.self, Console.self, Metrics.self]
    )

    /// Runs `body` against an emulator started in this process (automatic approval without
    /// sign-up) and a temporary folder, both gone afterwards.
    static func withEmulator(
        _ body: (MarketplaceEmulator, EmulatorOptions, URL, Logger) async throws -> Void
    ) async throws {
        try await withScratch { directory, logger in
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
    }

    struct UsagePass: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "usage-pass",
            abstract:
                "One usage reporting pass over N active entitlements, each with usage in the last hour: requests, time and memory.",
            discussion: """
                Buys and approves N entitlements, records an hour of usage for each in a new SQLite file, \
                then starts `entitle serve` on it, whose first usage pass seals, checks and reports it all; \
                prints the pass's time, requests to Service Control, and the process's CPU time and peak memory.
                """
        )
        @Option(help: "Active entitlements, each with one metric's usage to report.") var entitlements = 10_000
        @Option(help: "Purchases in flight at once during set-up.") var concurrency = 16
        @OptionGroup var location: BenchEmulatorLocation

        func run() async throws {
            try await BenchCommand.withTarget(location, measure)
        }

        private func measure(_ target: BenchTarget, _ directory: URL, _ logger: Logger) async throws {
            let base = target.base
            let endpoints = GoogleEndpoints.emulator(at: base)
            let procurement = ProcurementClient(
                provider: try ProviderID(target.provider),
                baseURL: endpoints.procurement,
                transport: try target.transport(logger)
            )
            let setup = ContinuousClock.now
            try await Self.concurrently(0..<entitlements, width: concurrency) { index in
                let id = try await target.purchase(index)
                try await procurement.approveEntitlement(id)
            }
            let path = directory.appendingPathComponent("entitle.sqlite").path
            let total = try await Self.store(procurement, at: path)
            print("set-up: \(total) active entitlements with usage in \(ContinuousClock.now - setup)")

            try await target.resetRequests()
            let started = ContinuousClock.now
            // Push delivery with no subscription pushing to it: nothing but the usage pass runs.
            let child = try BenchCommand.serve(
                target,
                settings: [
                    "ENTITLE_STORE_URL": path, "ENTITLE_DELIVERY": "push",
                    "ENTITLE_PUSH_SERVICE_ACCOUNT": "bench@vendor.iam.gserviceaccount.com",
                    "ENTITLE_USAGE_REPORT_INTERVAL_SECONDS": "3600", "ENTITLE_RESYNC_INTERVAL_SECONDS": "0",
                ],
                directory: directory,
                name: "usage"
            )
            defer {
                if child.isRunning { child.terminate() }
                child.waitUntilExit()
            }
            let reader = try await SQLiteStore(path: path)
            var peak = 0
            var cpu = 0.0
            var operations: [String: Int] = [:]
            // Done when every entitlement's operation has an outcome (reported, rejected, …), not
            // only when all are reported: a refusal must end the bench with its figure, not hang it.
            let due: Set<String> = ["pending", "unknown", "check_failed"]
            while operations.filter({ !due.contains($0.key) }).values.reduce(0, +) < total {
                try await Task.sleep(for: .milliseconds(200))
                guard child.isRunning else {
                    throw ValidationError("entitle serve stopped; its log: \(directory.path)/serve-usage.log")
                }
                peak = ProcessUsage.peakRSS(pid: child.processIdentifier) ?? peak
                cpu = ProcessUsage.cpuSeconds(pid: child.processIdentifier) ?? cpu
                operations = try await reader.counts(includingHistory: true).usageOperations
                guard ContinuousClock.now - started < .seconds(1800) else {
                    throw ValidationError("the pass did not end within 30 minutes")
                }
            }
            let elapsed = ContinuousClock.now - started
            let requests = try await target.requests()
            #if DEBUG
            let build = "debug"
            #else
            let build = "release"
            #endif
            print(
                "usage pass over \(total) entitlements by entitle serve (\(build) build): \(operations["reported", default: 0]) operations reported in \(elapsed) from start-up, "
                    + "\(requests["servicecontrol.services.check", default: 0]) check requests, \(requests["servicecontrol.services.report", default: 0]) report requests"
            )
            print(String(format: "  entitle serve: %.1f s of CPU, peak memory %.1f MB", cpu, Double(peak) / 1e6))
            guard operations["reported", default: 0] == total else {
                throw ValidationError("not all reported: \(operations); see \(directory.path)/serve-usage.log")
            }
        }

        /// Copies this run's entitlements into a new store, with one hour of usage each, a page at
        /// a time. Returns how many.
        static func store(_ procurement: ProcurementClient, at path: String) async throws -> Int {
            let store = try await SQLiteStore(path: path)
            let now = Timestamp(Date())
            let hour = UsageWindow.containing(now.adding(seconds: -3600), length: 3600).start
            var page: [LocalEntitlement] = []
            var total = 0
            func flush() async throws {
                _ = try await store.commit(StoreCommit(entitlements: page))
                let usage = page.map {
                    UsageSubmission(
                        entitlementID: $0.id,
                        metric: "requests",
                        quantity: 10,
                        time: hour.adding(seconds: 60),
                        idempotencyKey: "bench-\($0.id.rawValue)"
                    )
                }
                _ = try await store.recordUsage(usage, app: "bench", windowLength: 3600, at: now)
                total += page.count
                page = []
            }
            // This run's orders only: an emulator elsewhere keeps earlier runs' too.
            let mine = "BENCH-\(BenchTarget.run)-"
            for try await entitlement in procurement.entitlements(pageSize: 1000) {
                guard let id = entitlement.id, entitlement.accountID?.rawValue.hasPrefix(mine) == true else { continue }
                page.append(LocalEntitlement(id: id, accountID: entitlement.accountID, resource: entitlement))
                if page.count == 1000 { try await flush() }
            }
            if !page.isEmpty { try await flush() }
            return total
        }

        /// `body` for each element, `width` at a time.
        static func concurrently(
            _ range: Range<Int>,
            width: Int,
            _ body: @escaping @Sendable (Int) async throws -> Void
        ) async throws {
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
