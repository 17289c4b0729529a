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
/// fetched R times over loopback: p50, p99 and max per page.
extension BenchCommand {
    struct Console: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "console",
            abstract: "Render times of the admin console's pages with N entitlements in the store."
        )
        @Option(help: "Entitlements in the store.") var entitlements = 10_000
        @Option(help: "Fetches of each page.") var repeats = 30

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
            var configuration = EntitleConfiguration()
            configuration.httpPort = 0
            configuration.storeURL = storePath
            configuration.adminToken = "bench-console-admin-token-0123456789"
            configuration.signupAudiences = ["localhost"]
            configuration.resyncIntervalSeconds = 0
            configuration.usageReportIntervalSeconds = 0
            let base = await emulator.baseURL()
            let key = try ServiceAccountKey(try await emulator.serviceAccountKeyFile())
            let subscription = "projects/vendor/subscriptions/console-bench"
            let google = EntitleServer.Google(
                endpoints: .emulator(at: base),
                credentials: try ServiceAccountTokenProvider(key: key, logger: logger),
                provider: options.provider,
                subscription: subscription,
                createSubscriptionOn: options.topic
            )
            let built = try await EntitleServer.build(configuration, google: google, logger: logger)
            let group = ServiceGroup(configuration: .init(services: built.services, logger: logger))
            // Redirects are the console's answers to measure, not to follow.
            let client = HTTPClient(
                eventLoopGroup: HTTPClient.defaultEventLoopGroup,
                configuration: .init(redirectConfiguration: .disallow)
            )
            defer { _ = client.shutdown() }
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                let site = "http://127.0.0.1:\(await built.listening())"
                let cookie = try await signIn(site, token: configuration.adminToken ?? "", client)
                #if DEBUG
                let build = "debug"
                #else
                let build = "release"
                #endif
                print("console: \(entitlements) entitlements, \(repeats) fetches per page (\(build) build, SQLite)")
                let pages = [
                    "/admin", "/admin/entitlements",
                    "/admin/entitlements?state=ENTITLEMENT_ACTIVE&after=\(seeded[entitlements / 2].rawValue)",
                    "/admin/entitlements?product=bench-b.example.com&plan=basic",
                    "/admin/entitlements/\(seeded[entitlements / 3].rawValue)",
                    "/admin/customers", "/admin/callbacks", "/admin/dead-letters", "/admin/usage", "/admin/settings",
                ]
                for page in pages {
                    var times: [Double] = []
                    for _ in 0..<repeats {
                        let started = ContinuousClock.now
                        var request = HTTPClientRequest(url: site + page)
                        request.headers.add(name: "Cookie", value: cookie)
                        let response = try await client.execute(request, timeout: .seconds(30))
                        let body = try await response.body.collect(upTo: 16 * 1024 * 1024)
                        guard response.status == .ok, body.readableBytes > 0 else {
                            throw ValidationError("\(page): HTTP \(response.status.code)")
                        }
                        let elapsed = ContinuousClock.now - started
                        times.append(
                            Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
                        )
                    }
                    times.sort()
                    let figures = String(
                        format: "p50 %6.1f ms  p99 %6.1f ms  max %6.1f ms",
                        times[times.count / 2],
                        times[min(times.count - 1, times.count * 99 / 100)],
                        times.last ?? 0
                    )
                    print("  \(page.padding(toLength: 76, withPad: " ", startingAt: 0)) \(figures)")
                }
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }

        /// The store with `entitlements` ACTIVE entitlements over 4 products, each with its events.
        private func seed(_ path: String, provider: ProviderID) async throws -> [EntitlementID] {
            let store = try await SQLiteStore(path: path)
            let now = Timestamp(Date())
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
