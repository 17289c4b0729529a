import EntitleStore
import EntitleTestSupport
import Foundation
import GoogleCloud
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// The store goes away under load: `entitle serve` on a PostgreSQL server of the test's own,
/// stopped for 20 s while buyers purchase and the app posts usage, and stopped again to SIGTERM
/// Entitle during the outage.
extension SeparateProcessTests {
    /// What one probe or request saw: when it was sent, its status (nil: no answer), how long it took.
    struct Observation: Sendable {
        var at: ContinuousClock.Instant
        var status: Int?
        var took: Duration
        var retryAfter: String?
    }

    actor Observations {
        private(set) var readiness: [Observation] = []
        private(set) var liveness: [Observation] = []
        private(set) var usage: [Observation] = []
        func add(readiness observation: Observation) { readiness.append(observation) }
        func add(liveness observation: Observation) { liveness.append(observation) }
        func add(usage observation: Observation) { usage.append(observation) }
    }

    /// Sends one request and records what came back and when.
    private static func observe(_ send: () async throws -> HTTPReply) async -> (Observation, HTTPReply?) {
        let started = ContinuousClock.now
        let reply = try? await send()
        let observation = Observation(
            at: started,
            status: reply?.status,
            took: ContinuousClock.now - started,
            retryAfter: reply?.headers["retry-after"]
        )
        return (observation, reply)
    }

    @Test(
        "store outage: PostgreSQL stopped for 20 s under purchases and usage: /readyz 503 within 2 s and 200 within 10 s of its return, /healthz 200 throughout, no request waits past the store's bound, every refusal 503 with Retry-After; SIGTERM during a second outage exits within its bound; afterwards the store equals Google, billed equals accepted, every callback delivered with one body"
    )
    func storeOutage() async throws {
        let cluster = try await PostgresCluster.create()
        do {
            try await TestPostgres.psql(cluster.url, "CREATE DATABASE entitle")
            let receiver = HTTPReceiver()
            let configFile = try JSONSerialization.data(
                withJSONObject: [
                    "usageAPIKeys": ["app": "usage-key-of-the-outage-test"],
                    "usageMetrics": ["example-messaging-service": ["basic": ["requests", "storage_gib"]]],
                    "usageWindowSeconds": 2,
                    "usageReportIntervalSeconds": 1,
                ] as [String: Any]
            )
            try await receiver.serve { webhook in
                try await withSetup(
                    policy: "automatic",
                    callbackURL: webhook,
                    configFile: configFile,
                    emulatorStart: Date().addingTimeInterval(-60)
                ) { setup in
                    var setup = setup
                    setup.environment["ENTITLE_STORE_URL"] = TestPostgres.replacingDatabase(
                        in: cluster.url,
                        with: "entitle"
                    )
                    try await outage(setup, cluster: cluster, receiver: receiver)
                }
            }
        } catch {
            await cluster.remove()
            throw error
        }
        await cluster.remove()
    }

    private func outage(_ setup: Setup, cluster: PostgresCluster, receiver: HTTPReceiver) async throws {
        let (bound, shutdownBound) = (Duration.seconds(5), Duration.seconds(10))
        let running = setup.running
        let (child, admin) = try await serve(setup, run: 1)
        let metered = try await meteredPurchases(running, admin, count: 10, accountPrefix: "M")

        let seen = Observations()
        let stop = Flag()
        let probes = Task {
            var next = 0
            while await !stop.isSet {
                let (ready, _) = await Self.observe { try await admin.anonymous.get("readyz") }
                await seen.add(readiness: ready)
                if next % 5 == 0 {
                    let (live, _) = await Self.observe { try await admin.anonymous.get("healthz") }
                    await seen.add(liveness: live)
                }
                next += 1
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
        // Buyers throughout: a purchase every 600 ms, each upgraded once Google shows it active.
        let buyers = Task {
            var ids: [EntitlementID] = []
            for index in 0..<50 {
                let purchase = try await running.control.buy(
                    product: "example-messaging-service",
                    plan: "basic",
                    account: "O-\(index)"
                )
                ids.append(try EntitlementID(purchase.entitlementId))
                try await Task.sleep(for: .milliseconds(600))
            }
            try await waitForGoogle(running, ids) { $0.state == .active }
            for id in ids.prefix(25) { try await running.control.changePlan(id.rawValue, to: "standard") }
        }
        // The app: a batch every 500 ms, each sent again until it is accepted, as a client would.
        let usage = JSONHTTPClient(
            baseURL: admin.baseURL,
            headers: ["Authorization": "Bearer usage-key-of-the-outage-test"]
        )
        let service = "example-messaging-service.gcpmarketplace.example.com"
        let poster = Task { () -> UsageRecordGenerator in
            var generator = UsageRecordGenerator(entitlements: metered, service: service, seed: 29, keyPrefix: "o")
            for batch in 0..<60 {
                let records = generator.batch(batch, size: 50)
                let body = ["records": JSONValue.array(records.map { .object($0) })]
                while true {
                    let (observation, reply) = await Self.observe { try await usage.post("v1/usage", body) }
                    await seen.add(usage: observation)
                    if reply?.status == 202 { break }
                    guard reply == nil || reply?.status == 503 else {
                        throw ChildProcessError(message: "usage refused: \(reply.map(\.description) ?? "-")")
                    }
                    try await Task.sleep(for: .milliseconds(500))
                }
                generator.sent(records)
                try await Task.sleep(for: .milliseconds(500))
            }
            return generator
        }

        try await Task.sleep(for: .seconds(5))
        let down = ContinuousClock.now
        try await cluster.stop()
        try await Task.sleep(for: .seconds(3))
        // A buyer arriving from Marketplace meanwhile: a page asking to come back, not an error.
        let token = try await running.control.signupToken(account: "M-0").token
        let signup = try await admin.anonymous.send(
            "POST",
            "signup",
            raw: SignupDriver.form([("x-gcp-marketplace-token", token)]),
            headers: ["Content-Type": "application/x-www-form-urlencoded"]
        )
        #expect(signup.status == 503 && signup.headers["retry-after"] != nil, "sign-up in the outage: \(signup.status)")
        #expect(
            signup.text.contains("Nothing is lost") && signup.headers["content-type"]?.hasPrefix("text/html") == true
        )
        try await Task.sleep(for: .seconds(17))
        try await cluster.start()
        let up = ContinuousClock.now
        try await buyers.value
        let generator = try await poster.value
        try await Task.sleep(for: .seconds(2))
        await stop.set()
        await probes.value

        try await converge(running, admin: admin)
        // The buyer tries again once the store is back, and signs up.
        let fresh = try await running.control.signupToken(account: "M-0").token
        _ = try await SignupDriver.signUp(admin.anonymous, token: fresh)
        let linked = try await admin.get("api/admin/accounts/M-0").text
        #expect(linked.contains("Example Ltd"), "the sign-up after the outage linked the account")

        // A second outage, and SIGTERM in it: Entitle must end within its bound all the same.
        try await cluster.stop()
        try await Task.sleep(for: .seconds(3))
        let terminated = ContinuousClock.now
        let status = try await child.stop(grace: shutdownBound + .seconds(5))
        let exited = ContinuousClock.now - terminated
        try await cluster.start()

        // What the probes and the app saw.
        let readiness = await seen.readiness
        let firstRefusal = readiness.first { $0.at >= down && $0.status == 503 }.map { $0.at + $0.took - down }
        let lastUnready = readiness.last { $0.status != 200 }
        let recovered = lastUnready.map { $0.at + $0.took - up }
        let slowestProbe = readiness.map(\.took).max() ?? .zero
        let requests = await seen.usage
        let refused = requests.filter { $0.status != 202 }
        let slowest = requests.map(\.took).max() ?? .zero
        let liveness = await seen.liveness
        #expect(
            firstRefusal.map { $0 <= .seconds(2) } == true,
            "/readyz 503 within 2 s of the stop: \(firstRefusal.map { "\($0)" } ?? "never")"
        )
        #expect(
            recovered.map { $0 <= .seconds(10) } == true,
            "/readyz 200 within 10 s of the start: \(recovered.map { "\($0)" } ?? "-")"
        )
        #expect(slowestProbe < .milliseconds(1_500), "/readyz answers within about a second: \(slowestProbe)")
        #expect(liveness.allSatisfy { $0.status == 200 }, "/healthz stays 200")
        #expect(!refused.isEmpty, "the outage was felt by the app")
        #expect(
            refused.allSatisfy { $0.status == 503 && $0.retryAfter != nil },
            "every refusal is 503 with Retry-After"
        )
        #expect(slowest <= bound + .milliseconds(1_500), "no usage request waits past the bound: \(slowest)")
        #expect(exited <= shutdownBound + .seconds(1), "SIGTERM during an outage exits within its bound: \(exited)")

        // Afterwards, from a new process: nothing lost.
        let (again, adminAgain) = try await serve(setup, run: 2)
        try await converge(running, admin: adminAgain)
        let billed = try await running.http.get("emulator/v1/usage-reports").decode(UsageReports.self)
        #expect(billed.totals == generator.expectedTotals, "billed sums equal accepted sums")
        #expect(BilledUsage.problems(billed.records).isEmpty, "no window billed twice, no operation with two values")
        let outbox = try await adminAgain.get("api/admin/outbox?limit=10000").decode([OutboxItem].self)
        let received = await receiver.requests
        var bodies: [String: Set<Data>] = [:]
        var kinds: [String: [String]] = [:]
        for request in received {
            let callback = try JSONDecoder().decode(CallbackBody.self, from: request.body)
            if bodies[callback.id] == nil { kinds[callback.entitlementId ?? "", default: []].append(callback.type) }
            bodies[callback.id, default: []].insert(request.body)
        }
        #expect(
            Set(bodies.keys) == Set(outbox.map(\.id)),
            "every callback delivered (\(bodies.count) of \(outbox.count))"
        )
        #expect(outbox.allSatisfy { $0.status == .delivered })
        #expect(bodies.values.allSatisfy { $0.count == 1 }, "a callback sent again has the same body")
        #expect(kinds.values.allSatisfy { Set($0).count == $0.count }, "no transition told twice")
        try await again.stop()
        print(
            "store outage: 20 s; first /readyz 503 \(firstRefusal.map { "\($0)" } ?? "-") after the stop, "
                + "200 again \(recovered.map { "\($0)" } ?? "-") after the start; slowest probe \(slowestProbe); "
                + "\(requests.count) usage requests, \(refused.count) refused 503, slowest \(slowest); "
                + "SIGTERM in a second outage: exit \(status) after \(exited); "
                + "\(outbox.count) callbacks in \(received.count) deliveries; "
                + "\(generator.accepted.count) records billed as accepted"
        )
    }

    /// Waits until the store holds Google's state, no callback is pending and all usage is reported.
    private func converge(_ running: RunningEmulator, admin: JSONHTTPClient) async throws {
        var mismatches: [String] = []
        _ = try await eventually(within: .seconds(120), every: .milliseconds(500)) {
            let google = try await emulatorState(running)
            let local = try await stored(admin)
            mismatches = google.compactMap { id, entitlement in
                let mine = local[id]?.resource
                return mine?.state == entitlement.state && mine?.plan == entitlement.plan ? nil : "\(id)"
            }
            let pending = try await admin.get("api/admin/outbox?status=pending").decode([OutboxItem].self)
            if !pending.isEmpty { mismatches.append("\(pending.count) callbacks pending") }
            let view = try await admin.get("api/admin/usage?limit=10000").decode(UsageView.self)
            if !view.unsealed.isEmpty || !view.operations.allSatisfy({ $0.status == .reported }) {
                mismatches.append("usage not all reported")
            }
            return mismatches.isEmpty
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) differ, e.g. \(mismatches.prefix(5))")
    }
}
