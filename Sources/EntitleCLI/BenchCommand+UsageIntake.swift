import ArgumentParser
import AsyncHTTPClient
import Entitle
import EntitleStore
import Foundation
import Logging
import MarketplaceCore
import NIOCore
import NIOHTTP1
import Synchronization

/// `entitle bench usage-intake`: records per second through `POST /v1/usage` into `entitle serve`
/// (a child process, as a vendor runs it), with 1, 100 and 1,000 records per request over N
/// connections: requests and records per second, p50/p99 per request, the server's CPU per record
/// and peak memory; at the end, the store must hold exactly the records answered `accepted`.
extension BenchCommand {
    struct UsageIntake: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "usage-intake",
            abstract: "Usage records per second through POST /v1/usage, in batches of 1, 100 and 1,000."
        )
        @Option(help: "ACTIVE entitlements the records of each batch size are spread over.") var entitlements = 50
        @Option(help: "Connections posting at once.") var connections = 16
        @Option(help: "Seconds per batch size.") var seconds = 10
        @Option(parsing: .upToNextOption, help: "Records per request, one run each.") var batches = [1, 100, 1000]
        @Option(help: "storeURL of an empty database (postgres://…); default: a new SQLite file.") var store: String?
        @Option(help: "Load generator: wrk (the default when installed) or builtin (a Swift client in this process).")
        var load: Load?
        @OptionGroup var location: BenchEmulatorLocation

        enum Load: String, ExpressibleByArgument {
            case wrk, builtin
        }

        static let key = "bench-usage-intake-key-0123456789abcdef"

        func run() async throws {
            try await BenchCommand.withTarget(location, measure)
        }

        private func measure(_ target: BenchTarget, _ directory: URL, _ logger: Logger) async throws {
            let storeURL = store ?? directory.appendingPathComponent("intake.sqlite").path
            var settings = EntitleConfiguration()
            settings.storeURL = storeURL
            let reader = try await EntitleServer.openStore(settings, logger: logger)
            guard try await reader.entitlements(state: nil, after: nil, limit: 1).isEmpty,
                let counter = reader as? SQLStore
            else {
                throw ValidationError("--store must name an empty database")
            }
            // Each batch size on entitlements of its own: a window's unsealed records are summed at
            // each intake, so one run's records would slow the next.
            let ids = try await seed(reader, count: entitlements * batches.count)
            let config = directory.appendingPathComponent("intake.json")
            let metrics = #""usageMetrics": {"bench-intake": {"basic": ["requests"]}}"#
            try Data(#"{\#(metrics), "usageAPIKeys": {"bench": "\#(Self.key)"}}"#.utf8).write(to: config)
            let port = try BenchCommand.freePort()
            let child = try BenchCommand.serve(
                target,
                settings: [
                    "ENTITLE_STORE_URL": storeURL, "ENTITLE_HTTP_PORT": String(port), "ENTITLE_DELIVERY": "push",
                    "ENTITLE_PUSH_SERVICE_ACCOUNT": "bench@vendor.iam.gserviceaccount.com",
                    "ENTITLE_USAGE_REPORT_INTERVAL_SECONDS": "0", "ENTITLE_RESYNC_INTERVAL_SECONDS": "0",
                    "ENTITLE_LOG_LEVEL": "warning",
                ],
                arguments: ["--config", config.path],
                directory: directory,
                name: "intake"
            )
            defer {
                if child.isRunning { child.terminate() }
                child.waitUntilExit()
            }
            let site = "http://127.0.0.1:\(port)"
            let client = HTTPClient(
                eventLoopGroup: HTTPClient.defaultEventLoopGroup,
                configuration: .init(
                    connectionPool: .init(
                        idleTimeout: .seconds(60),
                        concurrentHTTP1ConnectionsPerHostSoftLimit: connections
                    )
                )
            )
            defer { _ = client.shutdown() }
            try await waitForServer(site, client, child)
            let kind = storeURL.hasPrefix("postgres") ? "PostgreSQL" : "SQLite"
            print(
                "usage intake: \(entitlements) entitlements, \(connections) connections, \(seconds) s per batch size "
                    + "(\(BenchServer.build) build, \(kind))"
            )
            let wrk = (load ?? (WrkLoad.isInstalled ? .wrk : .builtin)) == .wrk
            print("  load: \(wrk ? "wrk, 2 threads" : "this process's HTTP client")")
            var accepted = 0
            // wrk stops with requests in flight: the server may have kept them without wrk
            // reading the answer. At most one request per connection.
            var unanswered = 0
            for (round, batch) in batches.enumerated() {
                let before = ProcessUsage.cpuSeconds(pid: child.processIdentifier) ?? 0
                let own = Array(ids[(round * entitlements)..<((round + 1) * entitlements)])
                let run =
                    wrk
                    ? try await wrkPost(site, batch: batch, ids: own, directory: directory)
                    : try await post(site, client, batch: batch, ids: own)
                let cpu = (ProcessUsage.cpuSeconds(pid: child.processIdentifier) ?? 0) - before
                accepted += run.accepted
                unanswered += wrk ? connections * batch : 0
                let perRecord = run.accepted > 0 ? cpu / Double(run.accepted) * 1e6 : 0
                print(
                    String(
                        format: "  %5d per request: %8.0f requests/s  %9.0f records/s  %@  server CPU %.1f µs/record",
                        batch,
                        Double(run.requests) / run.elapsed,
                        Double(run.accepted) / run.elapsed,
                        run.figures,
                        perRecord
                    )
                )
            }
            let peak = ProcessUsage.peakRSS(pid: child.processIdentifier) ?? 0
            let stored = try await counter.usageRecordCount()
            print("  peak memory \(String(format: "%.1f", Double(peak) / 1_048_576)) MB; \(stored) records stored")
            guard stored >= accepted && stored - accepted <= unanswered else {
                throw ValidationError("the store holds \(stored) records; \(accepted) were answered accepted")
            }
        }

        /// One batch size's run under wrk; every answer must be 202 with every record accepted.
        private func wrkPost(_ site: String, batch: Int, ids: [String], directory: URL) async throws -> Run {
            let load = WrkLoad(
                site: site,
                key: Self.key,
                ids: ids,
                batch: batch,
                connections: connections,
                seconds: seconds,
                directory: directory
            )
            let result = try await Task.detached { try load.run() }.value
            guard result.refused == 0, result.accepted == result.requests * batch else {
                throw ValidationError(
                    "\(result.refused) requests refused (first: \(result.firstRefusal)); "
                        + "\(result.accepted) of \(result.requests * batch) records accepted"
                )
            }
            return Run(
                requests: result.requests,
                accepted: result.accepted,
                elapsed: result.elapsed,
                percentiles: (result.p50, result.p99, result.max)
            )
        }

        /// `count` ACTIVE entitlements of a usage-priced product, straight into the store.
        private func seed(_ store: any Store, count: Int) async throws -> [String] {
            var commit = StoreCommit()
            for index in 0..<count {
                let id = try EntitlementID(String(format: "intake-%05d", index))
                commit.entitlements.append(
                    LocalEntitlement(
                        id: id,
                        accountID: try AccountID("INTAKE-\(index)"),
                        resource: Entitlement(
                            name: "providers/bench/entitlements/\(id.rawValue)",
                            product: "bench-intake",
                            plan: "basic",
                            state: .active,
                            usageReportingId: "bench-intake.example.com",
                            updateTime: Timestamp(Date())
                        )
                    )
                )
            }
            _ = try await store.commit(commit)
            return commit.entitlements.map(\.id.rawValue)
        }

        private func waitForServer(_ site: String, _ client: HTTPClient, _ child: Process) async throws {
            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline {
                guard child.isRunning else { throw ValidationError("entitle serve stopped; see its log") }
                if let response = try? await client.execute(
                    HTTPClientRequest(url: site + "/healthz"),
                    timeout: .seconds(2)
                ),
                    response.status == .ok
                {
                    return
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            throw ValidationError("entitle serve did not answer within 60 s")
        }

        struct Run {
            var requests = 0
            var accepted = 0
            var latencies: [Double] = []
            var elapsed = 0.0
            /// p50, p99 and max (milliseconds) when the load generator measured them.
            var percentiles: (Double, Double, Double)?

            var figures: String {
                guard let (p50, p99, max) = percentiles else { return BenchServer.figures(latencies) }
                return BenchServer.figures(p50: p50, p99: p99, max: max)
            }
        }

        /// `connections` workers posting `batch` records per request for `seconds`, every record a
        /// new idempotency key; each answer must be 202 with every record accepted.
        private func post(_ site: String, _ client: HTTPClient, batch: Int, ids: [String]) async throws -> Run {
            let prefix = "\(batch)-\(UUID().uuidString.prefix(8))"
            let end = ContinuousClock.now + .seconds(seconds)
            let started = ContinuousClock.now
            var total = Run()
            try await withThrowingTaskGroup(of: Run.self) { group in
                for worker in 0..<connections {
                    group.addTask {
                        var run = Run()
                        var sequence = 0
                        while ContinuousClock.now < end {
                            let records = (0..<batch).map { index -> String in
                                sequence += 1
                                let id = ids[(worker * 7 + sequence) % ids.count]
                                return #"{"entitlementId":"\#(id)","metric":"requests","quantity":\#(index + 1),"#
                                    + #""idempotencyKey":"\#(prefix)-\#(worker)-\#(sequence)"}"#
                            }
                            var request = HTTPClientRequest(url: site + "/v1/usage")
                            request.method = .POST
                            request.headers.add(name: "Authorization", value: "Bearer \(Self.key)")
                            request.headers.add(name: "Content-Type", value: "application/json")
                            let body =
                                batch == 1 ? records[0] : #"{"records":["# + records.joined(separator: ",") + "]}"
                            request.body = .bytes(ByteBuffer(string: body))
                            var answer = ByteBuffer()
                            let latency = try await BenchServer.milliseconds {
                                let response = try await client.execute(request, timeout: .seconds(60))
                                answer = try await response.body.collect(upTo: 16 * 1024 * 1024)
                                guard response.status == .accepted else {
                                    throw ValidationError("HTTP \(response.status.code): \(String(buffer: answer))")
                                }
                            }
                            let text = String(buffer: answer)
                            let accepted = text.components(separatedBy: #""status":"accepted""#).count - 1
                            guard accepted == batch else {
                                throw ValidationError("not all accepted: \(text.prefix(300))")
                            }
                            run.requests += 1
                            run.accepted += accepted
                            run.latencies.append(latency)
                        }
                        return run
                    }
                }
                for try await run in group {
                    total.requests += run.requests
                    total.accepted += run.accepted
                    total.latencies += run.latencies
                }
            }
            let elapsed = ContinuousClock.now - started
            total.elapsed = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            return total
        }
    }
}
