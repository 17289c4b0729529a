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

/// `entitle bench console`: the admin console's pages with N entitlements in the store (each with
/// its creation and activation in the audit log, so the charts have data), signed in, each page
/// fetched R times over loopback: p50, p99 and max per page, and a `/metrics` scrape. With
/// `--ledger-rows` and `--delivered-callbacks`, the history a long-running store holds besides.
extension BenchCommand {
    struct Console: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "console",
            abstract: "Render times of the admin console's pages with N entitlements in the store."
        )
        @Option(help: "Entitlements in the store.") var entitlements = 10_000
        @Option(help: "Fetches of each page.") var repeats = 30
        @Option(help: "Reported operations in the usage ledger (one per hour on each of 1,000 entitlements).")
        var ledgerRows = 0
        @Option(help: "Delivered callbacks (one a minute).") var deliveredCallbacks = 0

        func run() async throws {
            try await BenchCommand.withEmulator(measure)
        }

        private func measure(
            _ emulator: MarketplaceEmulator,
            _ options: EmulatorOptions,
            _ directory: URL,
            _ logger: Logger
        ) async throws {
            let storePath = directory.appendingPathComponent("console.sqlite").path
            let seeded = try await seed(storePath, provider: options.provider)
            let token = "bench-console-admin-token-0123456789"
            try await BenchServer.run(
                storePath: storePath,
                emulator: emulator,
                options: options,
                logger: logger,
                adminToken: token
            ) { site, client in
                let cookie = try await signIn(site, token: token, client)
                let build = BenchServer.build
                print(
                    "console: \(entitlements) entitlements, \(ledgerRows) reported operations, "
                        + "\(deliveredCallbacks) delivered callbacks, \(repeats) fetches per page "
                        + "(\(build) build, SQLite)"
                )
                let pages = [
                    "/admin", "/admin/entitlements",
                    "/admin/entitlements?state=ENTITLEMENT_ACTIVE&after=\(seeded[entitlements / 2].rawValue)",
                    "/admin/entitlements?product=bench-b.example.com&plan=basic",
                    "/admin/entitlements/\(seeded[entitlements / 3].rawValue)",
                    "/admin/customers", "/admin/callbacks", "/admin/dead-letters", "/admin/usage", "/admin/settings",
                    "/metrics",
                ]
                for page in pages {
                    var times: [Double] = []
                    for _ in 0..<repeats {
                        times.append(
                            try await BenchServer.milliseconds {
                                var request = HTTPClientRequest(url: site + page)
                                request.headers.add(name: "Cookie", value: cookie)
                                let response = try await client.execute(request, timeout: .seconds(30))
                                let body = try await response.body.collect(upTo: 16 * 1024 * 1024)
                                guard response.status == .ok, body.readableBytes > 0 else {
                                    throw ValidationError("\(page): HTTP \(response.status.code)")
                                }
                            }
                        )
                    }
                    print("  \(page.padding(toLength: 76, withPad: " ", startingAt: 0)) \(BenchServer.figures(times))")
                }
            }
        }

        /// The store with `entitlements` ACTIVE entitlements over 4 products, each with its events.
        private func seed(_ path: String, provider: ProviderID) async throws -> [EntitlementID] {
            let store = try await SQLiteStore(path: path)
            let now = Timestamp(Date())
            let history = try await BenchServer.milliseconds {
                try await store.seedLedger(reported: ledgerRows, pending: 100, now: now)
                try await store.seedDeliveredCallbacks(deliveredCallbacks, now: now)
            }
            print(String(format: "history seeded in %.1f s", history / 1000))
            var ids: [EntitlementID] = []
            for batch in stride(from: 0, to: entitlements, by: 500) {
                var commit = StoreCommit()
                for index in batch..<min(entitlements, batch + 500) {
                    let id = try EntitlementID(String(format: "bench-%06d", index))
                    let account = try AccountID("BENCH-\(index / 3)")
                    let created = now.adding(seconds: -Int64(index % (14 * 86400)))
                    let resource = Entitlement(
                        name: "providers/\(provider)/entitlements/\(id)",
                        provider: provider.rawValue,
                        account: "providers/\(provider)/accounts/\(account)",
                        product: "bench-\(["a", "b", "c", "d"][index % 4])",
                        productExternalName: "bench-\(["a", "b", "c", "d"][index % 4]).example.com",
                        plan: index % 2 == 0 ? "basic" : "standard",
                        state: .active,
                        createTime: created,
                        updateTime: created.adding(seconds: 30)
                    )
                    commit.entitlements.append(LocalEntitlement(id: id, accountID: account, resource: resource))
                    let subject = "entitlements/\(id)"
                    commit.audit.append(
                        AuditEntry(
                            at: created,
                            kind: .event,
                            subject: subject,
                            eventID: "c-\(index)",
                            summary: "ENTITLEMENT_CREATION_REQUESTED"
                        )
                    )
                    commit.audit.append(
                        AuditEntry(
                            at: created.adding(seconds: 30),
                            kind: .event,
                            subject: subject,
                            eventID: "a-\(index)",
                            summary: "ENTITLEMENT_ACTIVE"
                        )
                    )
                    ids.append(id)
                }
                _ = try await store.commit(commit)
            }
            return ids
        }

        private func signIn(_ site: String, token: String, _ client: HTTPClient) async throws -> String {
            var request = HTTPClientRequest(url: site + "/admin/sign-in")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: "token=\(token)"))
            let response = try await client.execute(request, timeout: .seconds(30))
            guard let cookie = response.headers.first(name: "set-cookie")?.split(separator: ";").first else {
                throw ValidationError("sign-in refused: HTTP \(response.status.code)")
            }
            return String(cookie)
        }
    }
}
