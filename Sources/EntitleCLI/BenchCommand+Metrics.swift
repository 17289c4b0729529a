import ArgumentParser
import AsyncHTTPClient
import Entitle
import EntitleStore
import Foundation
import Logging
import MarketplaceCore
import MarketplaceEmulator
import NIOCore
import NIOHTTP1

/// `entitle bench metrics`: what a `/metrics` scrape costs with a long history in the store — the
/// store's gauge query alone (what each scrape ran before history was left out, and now), then
/// scrapes over loopback one after another and from 16 clients at once.
extension BenchCommand {
    struct Metrics: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "metrics",
            abstract: "The cost of a /metrics scrape with N reported operations in the usage ledger (SQLite)."
        )
        @Option(help: "Reported operations in the ledger.") var ledgerRows = 1_000_000
        @Option(help: "Scrapes one after another, and per client at once.") var scrapes = 200
        @Option(help: "Delivered callbacks in the store (one a minute).") var deliveredCallbacks = 0

        func run() async throws {
            try await BenchCommand.withEmulator(measure)
        }

        private func measure(
            _ emulator: MarketplaceEmulator,
            _ options: EmulatorOptions,
            _ directory: URL,
            _ logger: Logger
        ) async throws {
            let storePath = directory.appendingPathComponent("metrics.sqlite").path
            let store = try await SQLiteStore(path: storePath)
            let seeding = try await BenchServer.milliseconds {
                try await store.seedLedger(reported: ledgerRows, pending: 100, now: Timestamp(Date()))
                try await store.seedDeliveredCallbacks(deliveredCallbacks, now: Timestamp(Date()))
            }
            let build = BenchServer.build
            print(
                "metrics: \(ledgerRows) reported operations (+100 pending), \(deliveredCallbacks) delivered callbacks, "
                    + "seeded in \(Int(seeding)) ms; \(build)"
            )
            var now: [Double] = []
            var before: [Double] = []
            for round in 0..<20 {
                now.append(try await BenchServer.milliseconds { _ = try await store.counts() })
                if round < 5 {
                    before.append(
                        try await BenchServer.milliseconds { _ = try await store.counts(includingHistory: true) }
                    )
                }
            }
            print("  gauge query, history left out (each scrape now)   \(BenchServer.figures(now))")
            print("  gauge query, history counted (each scrape before)  \(BenchServer.figures(before))")
            try await BenchServer.run(storePath: storePath, emulator: emulator, options: options, logger: logger) {
                site,
                client in
                func scrape() async throws {
                    let response = try await client.execute(
                        HTTPClientRequest(url: site + "/metrics"),
                        timeout: .seconds(30)
                    )
                    let body = try await response.body.collect(upTo: 16 * 1024 * 1024)
                    guard response.status == .ok, String(buffer: body).contains("entitle_usage_operations") else {
                        throw ValidationError("/metrics: HTTP \(response.status.code)")
                    }
                }
                let first = try await BenchServer.milliseconds(scrape)
                var serial: [Double] = []
                for _ in 0..<scrapes { serial.append(try await BenchServer.milliseconds(scrape)) }
                print(String(format: "  first scrape (gauges read)                         %7.2f ms", first))
                print("  \(scrapes) scrapes one after another                     \(BenchServer.figures(serial))")
                var together: [Double] = []
                let wall = try await BenchServer.milliseconds {
                    together = try await withThrowingTaskGroup(of: [Double].self) { group in
                        for _ in 0..<16 {
                            group.addTask {
                                var times: [Double] = []
                                for _ in 0..<scrapes { times.append(try await BenchServer.milliseconds(scrape)) }
                                return times
                            }
                        }
                        return try await group.reduce(into: []) { $0 += $1 }
                    }
                }
                print("  16 clients × \(scrapes) scrapes at once                  \(BenchServer.figures(together))")
                print(String(format: "  that is %.0f scrapes/s", Double(together.count) / wall * 1000))
            }
        }
    }
}
