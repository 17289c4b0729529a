import EntitleStore
import EntitleTestSupport
import Foundation
import GoogleCloud
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// The store goes away under load: `entitle serve` on a PostgreSQL server of the test's own, which
/// is stopped, or cut off with packets dropped, for 20 s while buyers purchase and the app posts
/// usage, and again to SIGTERM Entitle during the outage.
extension SeparateProcessTests {
    /// A way for the store to go away and come back.
    struct StoreFault: Sendable {
        var name: String
        var begin: @Sendable () async throws -> Void
        var end: @Sendable () async throws -> Void

        /// The server stopped (`pg_ctl stop -m fast`: every session ended, connections refused).
        static func stopped(_ cluster: PostgresCluster) -> StoreFault {
            StoreFault(
                name: "PostgreSQL stopped",
                begin: { try await cluster.stop() },
                end: { try await cluster.start() }
            )
        }

        /// Every packet to and from the server's port dropped on loopback (`iptables`): nothing is
        /// refused, nothing answers, as in a partition or a firewall change.
        static func blackHoled(_ cluster: PostgresCluster) -> StoreFault {
            StoreFault(
                name: "PostgreSQL black-holed",
                begin: { try await PacketFilter.drop(port: cluster.port) },
                end: { try await PacketFilter.restore(port: cluster.port) }
            )
        }
    }

    /// `/readyz` 503 within 2 s and 200 within 10 s of its return, `/healthz` 200 throughout, no
    /// request waits past the store's bound, every refusal 503 with Retry-After; SIGTERM during a
    /// second outage exits within its bound; afterwards the store equals Google, billed equals
    /// accepted, every callback delivered with one body.
    @Test(
        "store outage: PostgreSQL stopped for 20 s under load: 503s, /readyz follows, SIGTERM bounded, nothing lost"
    )
    func storeOutage() async throws {
        try await outage(StoreFault.stopped)
    }

    /// As `storeOutage`, with every packet dropped instead: nothing refuses, nothing answers.
    @Test(
        "black-holed store: packets to PostgreSQL dropped for 20 s under load; the leader steps down"
    )
    func blackHoledStore() async throws {
        try await outage(StoreFault.blackHoled)
    }

    private func outage(_ fault: @Sendable (PostgresCluster) -> StoreFault) async throws {
        let cluster = try await PostgresCluster.create()
        do {
            try await TestPostgres.psql(cluster.url, "CREATE DATABASE entitle")
            let store = TestPostgres.replacingDatabase(in: cluster.url, with: "entitle")
            try await withOutageSetup(store: store) { setup, receiver in
                try await outage(setup, fault: fault(cluster), receiver: receiver)
            }
        } catch {
            try? await PacketFilter.restore(port: cluster.port)
            await cluster.remove()
            throw error
        }
        try? await PacketFilter.restore(port: cluster.port)
        await cluster.remove()
    }

    /// The emulator, a webhook receiver and a child's setup on `store` (nil: an SQLite file in the
    /// child's folder), with usage metering on.
    func withOutageSetup(store: String?, _ body: @Sendable (Setup, HTTPReceiver) async throws -> Void) async throws {
        let receiver = HTTPReceiver()
        let configFile = try JSONSerialization.data(
            withJSONObject: [
                "usageAPIKeys": ["app": Self.outageUsageKey],
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
                if let store { setup.environment["ENTITLE_STORE_URL"] = store }
                try await body(setup, receiver)
            }
        }
    }

    static let outageUsageKey = "usage-key-of-the-outage-tests"

    /// `entitle serve` with ten metered purchases, and the outage tests' load on it for 5 s.
    func serveUnderLoad(_ setup: Setup) async throws -> (ChildProcess, JSONHTTPClient, OutageLoad) {
        let running = setup.running
        let (child, admin) = try await serve(setup, run: 1)
        let metered = try await meteredPurchases(running, admin, count: 10, accountPrefix: "M")
        let load = OutageLoad(
            running: running,
            admin: admin,
            usageKey: Self.outageUsageKey,
            metered: metered
        ) { ids in try await self.waitForGoogle(running, ids) { $0.state == .active } }
        try await Task.sleep(for: .seconds(5))
        return (child, admin, load)
    }

    private func outage(_ setup: Setup, fault: StoreFault, receiver: HTTPReceiver) async throws {
        let (bound, shutdownBound) = (Duration.seconds(5), Duration.seconds(10))
        let running = setup.running
        let (child, admin, load) = try await serveUnderLoad(setup)
        let down = ContinuousClock.now
        let downWall = Timestamp(Date())
        try await fault.begin()
        // The leader can no longer renew its heartbeat: it must stop leading within the bound.
        let log = setup.directory.appendingPathComponent("serve-1.log")
        let leadershipLost = Task { () -> Duration? in
            let found = try? await eventually(within: .seconds(15), every: .milliseconds(100)) {
                (try? String(contentsOf: log, encoding: .utf8))?.contains("leadership lost") == true ? true : nil
            }
            return found == true ? ContinuousClock.now - down : nil
        }
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
        try await fault.end()
        let up = ContinuousClock.now
        let upWall = Timestamp(Date())
        let generator = try await load.finish()

        try await converge(running, admin: admin)
        // The buyer tries again once the store is back, and signs up.
        let fresh = try await running.control.signupToken(account: "M-0").token
        _ = try await SignupDriver.signUp(admin.anonymous, token: fresh)
        let linked = try await admin.get("api/admin/accounts/M-0").text
        #expect(linked.contains("Example Ltd"), "the sign-up after the outage linked the account")

        // A second outage, and SIGTERM in it: Entitle must end within its bound all the same.
        let secondDown = Timestamp(Date())
        try await fault.begin()
        try await Task.sleep(for: .seconds(3))
        let terminated = ContinuousClock.now
        let status = try await child.stop(grace: shutdownBound + .seconds(5))
        let exited = ContinuousClock.now - terminated
        try await fault.end()
        let secondUp = Timestamp(Date())

        let figures = await load.figures(down: down, up: up)
        figures.expectHandled(within: bound)
        let stoppedLeading = await leadershipLost.value
        #expect(
            stoppedLeading.map { $0 <= bound + .seconds(3) } == true,
            "the leader stops leading within the bound and a heartbeat: \(stoppedLeading.map { "\($0)" } ?? "never")"
        )
        #expect(exited <= shutdownBound + .seconds(1), "SIGTERM during an outage exits within its bound: \(exited)")

        // Afterwards, from a new process: nothing lost.
        let (again, adminAgain) = try await serve(setup, run: 2)
        try await converge(running, admin: adminAgain)
        let (callbacks, deliveries) = try await expectNothingLost(
            running,
            admin: adminAgain,
            receiver: receiver,
            accepted: generator,
            outages: [downWall...upWall, secondDown...secondUp]
        )
        try await again.stop()
        print(
            "store outage, \(fault.name) for 20 s: \(figures); leader stepped down after "
                + "\(stoppedLeading.map { "\($0)" } ?? "-"); SIGTERM in a second outage: exit \(status) "
                + "after \(exited); \(callbacks) callbacks in \(deliveries) deliveries; "
                + "\(generator.accepted.count) records billed as accepted"
        )
    }

    /// Waits until the store holds Google's state, no callback is pending and all usage is reported.
    func converge(_ running: RunningEmulator, admin: JSONHTTPClient) async throws {
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

    /// After an outage: billed equals accepted, no window billed twice, every callback delivered
    /// with one body and no transition told twice. The number of callbacks and of deliveries.
    func expectNothingLost(
        _ running: RunningEmulator,
        admin: JSONHTTPClient,
        receiver: HTTPReceiver,
        accepted generator: UsageRecordGenerator,
        outages: [ClosedRange<Timestamp>]
    ) async throws -> (callbacks: Int, deliveries: Int) {
        let billed = try await running.http.get("emulator/v1/usage-reports").decode(UsageReports.self)
        #expect(billed.totals == generator.expectedTotals, "billed sums equal accepted sums")
        let needless = BilledUsage.needlessResends(billed.records)
        let violations = BilledUsage.problems(billed.records).filter { !needless.contains($0) }
        #expect(violations.isEmpty, "no window billed twice, no operation with two values: \(violations.prefix(3))")
        // An operation is sent again, with the same values, only when Google's answer to it came
        // while the store could not record it: during an outage (a second either side).
        let offset = try await emulatorOffset(running)
        let unexplained = BilledUsage.answeredBeforeResend(billed.records).filter { answered in
            let wall = Self.micros(answered) - offset
            return !outages.contains { outage in
                (Self.micros(outage.lowerBound) - 1_000_000...Self.micros(outage.upperBound) + 1_000_000).contains(wall)
            }
        }
        #expect(unexplained.isEmpty, "an operation sent again though its answer came outside an outage")
        let outbox = try await admin.get("api/admin/outbox").decode([OutboxItem].self)
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
        return (outbox.count, received.count)
    }
}
