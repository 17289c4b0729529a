import EntitleStore
import EntitleTestSupport
import Foundation
import GoogleCloud
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// The built `entitle` binary as a separate process against the emulator (in this process) over
/// loopback: `entitle serve` killed with SIGKILL at random points and restarted, and the admin CLI.
@Suite(.serialized, .paced) struct SeparateProcessTests {
    static let subscription = "projects/vendor/subscriptions/entitle"
    static let adminToken = "separate-process-admin-token"

    struct EntitlementPage: Decodable {
        var entitlements: [LocalEntitlement]
        var nextAfter: String?
    }

    struct CallbackBody: Decodable {
        struct Snapshot: Decodable { var plan: String? }
        var id: String
        var type: String
        var entitlementId: String?
        /// The entitlement as Google showed it when the transition was decided.
        var entitlement: Snapshot?
    }

    /// What a child `entitle serve` needs: its environment, the store file, a folder for logs.
    struct Setup: Sendable {
        var executable: URL
        var environment: [String: String]
        var storePath: String
        var directory: URL
        var running: RunningEmulator
        var arguments = ["serve"]
    }

    /// The emulator, a subscription on its topic, a service-account key file, and the environment
    /// of `entitle serve` pointed at them (`ENTITLE_GOOGLE_BASE_URL`, as a vendor would run it
    /// against `entitle emulator`).
    func withSetup(
        policy: String,
        callbackURL: URL? = nil,
        faults: FaultPlan = FaultPlan(),
        configFile: Data? = nil,
        emulatorStart: Date? = nil,
        _ body: @Sendable (Setup) async throws -> Void
    ) async throws {
        let executable = try ChildProcess.builtExecutable("entitle")
        var options = EmulatorOptions()
        options.startTime = emulatorStart
        options.requireSignupBeforeApproval = false
        options.pullWait = .milliseconds(200)
        options.faults = faults
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "entitle-child-\(UUID().uuidString)"
        )
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await EmulatorHarness.withEmulator(options) { running in
            let transport = try await running.transport()
            try await running.pubSubClient(transport).createSubscription(
                Self.subscription,
                PubSubSubscription(topic: running.emulator.options.topic, ackDeadlineSeconds: 10)
            )
            let keyFile = directory.appendingPathComponent("key.json")
            try running.emulator.serviceAccountKeyFile(base: running.baseURL).json().write(to: keyFile)
            let storePath = directory.appendingPathComponent("entitle.sqlite").path
            var environment = [
                "ENTITLE_GOOGLE_BASE_URL": running.baseURL.absoluteString,
                "ENTITLE_GOOGLE_CREDENTIALS": keyFile.path,
                "ENTITLE_PROVIDER_ID": running.provider,
                "ENTITLE_SUBSCRIPTION": Self.subscription,
                "ENTITLE_SIGNUP_AUDIENCES": "localhost",
                "ENTITLE_STORE_URL": storePath,
                "ENTITLE_HTTP_PORT": "0",
                "ENTITLE_ADMIN_TOKEN": Self.adminToken,
                "ENTITLE_ENTITLEMENT_POLICY": policy,
                // Notifications alone must carry every change here; resync would hide a lost one.
                "ENTITLE_RESYNC_INTERVAL_SECONDS": "0",
            ]
            if let callbackURL {
                environment["ENTITLE_CALLBACK_URL"] = callbackURL.absoluteString
                environment["ENTITLE_CALLBACK_SECRET"] = "crash-test-callback-secret"
            }
            var setup = Setup(
                executable: executable,
                environment: environment,
                storePath: storePath,
                directory: directory,
                running: running
            )
            if let configFile {
                let path = directory.appendingPathComponent("entitle.json")
                try configFile.write(to: path)
                setup.arguments += ["--config", path.path]
            }
            try await body(setup)
        }
    }

    /// Starts `entitle serve` and waits until it listens; its admin API.
    func serve(_ setup: Setup, run: Int) async throws -> (ChildProcess, JSONHTTPClient) {
        let child = try ChildProcess(
            setup.executable,
            arguments: setup.arguments,
            environment: setup.environment,
            outputFile: setup.directory.appendingPathComponent("serve-\(run).log")
        )
        let line = try await child.line(containing: "Entitle listening on")
        let url = try #require(line.split(separator: " ").last.flatMap { URL(string: String($0)) })
        return (child, JSONHTTPClient(baseURL: url, headers: ["Authorization": "Bearer \(Self.adminToken)"]))
    }

    func emulatorState(_ running: RunningEmulator) async throws -> [EntitlementID: Entitlement] {
        let state = try await running.control.state()
        return Dictionary(state.entitlements.compactMap { e in e.id.map { ($0, e) } }, uniquingKeysWith: { a, _ in a })
    }

    /// Every entitlement in the store, through the admin API's pages.
    func stored(_ admin: JSONHTTPClient) async throws -> [EntitlementID: LocalEntitlement] {
        var all: [EntitlementID: LocalEntitlement] = [:]
        var after: String?
        repeat {
            let page = try await admin.get("api/admin/entitlements?limit=1000" + (after.map { "&after=\($0)" } ?? ""))
                .decode(EntitlementPage.self)
            for entitlement in page.entitlements { all[entitlement.id] = entitlement }
            after = page.nextAfter
        } while after != nil
        return all
    }

    /// `count` purchases on plan basic (accounts `PREFIX-0`…), once the store has them all ACTIVE.
    func meteredPurchases(
        _ running: RunningEmulator,
        _ admin: JSONHTTPClient,
        count: Int,
        accountPrefix: String
    ) async throws -> [LocalEntitlement] {
        for index in 0..<count {
            _ = try await running.control.buy(
                product: "example-messaging-service",
                plan: "basic",
                account: "\(accountPrefix)-\(index)"
            )
        }
        var metered: [LocalEntitlement] = []
        for _ in 0..<300 where metered.count < count {
            metered = try await stored(admin).values.filter { $0.state == .active }
            try await Task.sleep(for: .milliseconds(100))
        }
        try #require(metered.count == count)
        return metered
    }

    /// The buyers of the crash test: 250 purchases, each upgraded once active, 100 of them then
    /// cancelled: 1,100 notifications, each published only after Entitle acted on the last one.
    func buyers(_ running: RunningEmulator) async throws {
        var ids: [EntitlementID] = []
        for index in 0..<250 {
            let purchase = try await running.control.buy(
                product: "example-messaging-service",
                plan: "basic",
                account: "K-\(index)"
            )
            ids.append(try EntitlementID(purchase.entitlementId))
        }
        try await waitForGoogle(running, ids) { $0.state == .active }
        for id in ids { try await running.control.changePlan(id.rawValue, to: "standard") }
        try await waitForGoogle(running, ids) { $0.state == .active && $0.plan == "standard" }
        for id in ids.prefix(100) { try await running.control.cancel(id.rawValue, immediately: true) }
        try await waitForGoogle(running, Array(ids.prefix(100))) { $0.state == .cancelled }
    }

    func waitForGoogle(
        _ running: RunningEmulator,
        _ ids: [EntitlementID],
        _ condition: (Entitlement) -> Bool
    ) async throws {
        let reached = try await eventually(within: .seconds(180), every: .milliseconds(200)) {
            let state = try await emulatorState(running)
            return ids.allSatisfy { state[$0].map(condition) == true }
        }
        if reached { return }
        throw ChildProcessError(message: "Google never reached the expected state for all of \(ids.count)")
    }

    actor Flag {
        var isSet = false
        func set() { isSet = true }
    }

    @Test(
        "crash safety: `entitle serve` SIGKILLed at random points during 1,100 notifications and restarted loses no event and no callback, and no repeated approval surfaces as an error"
    )
    func sigkill() async throws {
        let receiver = HTTPReceiver()
        try await receiver.serve { webhook in
            try await withSetup(policy: "automatic", callbackURL: webhook) { setup in
                let running = setup.running
                let buyersDone = Flag()
                let buyers = Task {
                    defer { Task { await buyersDone.set() } }
                    try await self.buyers(running)
                }
                var random = SeededRandom(seed: 1_100)
                var run = 0
                let started = ContinuousClock.now
                // Kill at random points while the buyers act, at least 20 times.
                while true {
                    let finished = await buyersDone.isSet
                    if run >= 20 && finished { break }
                    run += 1
                    let (child, _) = try await serve(setup, run: run)
                    try await Task.sleep(for: .milliseconds(150 + Int(random.next() % 900)))
                    try await child.kill()
                    // The ack deadline of what the killed process held passes (emulator time).
                    try await running.control.advanceClock(by: "PT11S")
                    #expect(run < 200, "the buyers never finished")
                    if run >= 200 { break }
                }
                try await buyers.value
                let kills = run
                run += 1
                let (child, admin) = try await serve(setup, run: run)
                let google = try await emulatorState(running)
                var mismatches: [String] = []
                _ = try await eventually(within: .seconds(60), every: .milliseconds(250)) {
                    let local = try await stored(admin)
                    let pending = try await admin.get("api/admin/outbox?status=pending").decode([OutboxItem].self)
                    mismatches = google.compactMap { id, entitlement in
                        let mine = local[id]?.resource
                        return mine?.state == entitlement.state && mine?.plan == entitlement.plan
                            ? nil
                            : "\(id): Google \(entitlement.state?.rawValue ?? "-")/\(entitlement.plan ?? "-"), store \(mine?.state?.rawValue ?? "-")/\(mine?.plan ?? "-")"
                    }
                    if pending.count > 0 { mismatches.append("\(pending.count) callbacks pending") }
                    return mismatches.isEmpty
                }
                #expect(mismatches.isEmpty, "\(mismatches.count) differ, e.g. \(mismatches.prefix(5))")
                #expect(try await child.stop() == 0, "graceful stop")
                let elapsed = ContinuousClock.now - started

                // The store, read directly now that no process uses it.
                let store = try await SQLiteStore(path: setup.storePath)
                let events = try await store.auditLog(subject: nil, limit: 1_000_000).filter { $0.kind == .event }
                #expect(events.count >= 1_100, "every notification processed: \(events.count)")
                #expect(try await store.poisonMessages(limit: 10).isEmpty)
                let outbox = try await store.callbacks(status: nil, limit: 1_000_000)
                #expect(
                    outbox.allSatisfy { $0.status == .delivered },
                    "\(outbox.filter { $0.status != .delivered }.count) not delivered"
                )

                // Callbacks: each outbox row arrived at least once, always with the same body; one per
                // entitlement and kind (250 activated, 250 plan changes, 100 cancellations).
                let received = await receiver.requests
                var bodies: [String: Set<Data>] = [:]
                var kinds: [String: Set<String>] = [:]
                var activatedOn: [String: String] = [:]
                for request in received {
                    let callback = try JSONDecoder().decode(CallbackBody.self, from: request.body)
                    #expect(request.headers["entitle-callback-id"] == callback.id)
                    bodies[callback.id, default: []].insert(request.body)
                    kinds[callback.type, default: []].insert(callback.entitlementId ?? "")
                    if callback.type == "entitlement.activated" {
                        activatedOn[callback.entitlementId ?? ""] = callback.entitlement?.plan
                    }
                }
                #expect(Set(bodies.keys) == Set(outbox.map(\.id)), "received ids equal the outbox's")
                #expect(bodies.values.allSatisfy { $0.count == 1 }, "a redelivered callback has the same body")
                #expect(kinds["entitlement.activated"]?.count == 250)
                // A kill between Google's approval of an order and Entitle's commit can make the
                // redelivered creation's re-read show the order already active on its new plan: one
                // `activated` then announces both (as in the replicas test). Seen once in 7 CI runs.
                let planChanges = kinds["entitlement.plan_changed"]?.count ?? 0
                #expect(planChanges <= 250 && planChanges >= 245, "\(planChanges) plan changes announced")
                // …and only so: each order without `plan_changed` was announced active on its new plan.
                #expect(
                    activatedOn.count == 250 && activatedOn.values.allSatisfy { ["basic", "standard"].contains($0) },
                    "activated bodies name a plan"
                )
                let collapsed = (kinds["entitlement.activated"] ?? []).subtracting(
                    kinds["entitlement.plan_changed"] ?? []
                )
                #expect(collapsed.count == 250 - planChanges, "\(collapsed.count) without a plan change")
                #expect(
                    collapsed.allSatisfy { activatedOn[$0] == "standard" },
                    "\(collapsed.map { "\($0): \(activatedOn[$0] ?? "-")" })"
                )
                #expect(kinds["entitlement.cancelled"]?.count == 100)
                #expect(outbox.count == 350 + planChanges, "one callback per entitlement and change: \(outbox.count)")

                // No process reported a failure; a repeated approval is logged as "already done".
                var logs = ""
                for index in 1...run {
                    logs +=
                        (try? String(
                            contentsOf: setup.directory.appendingPathComponent("serve-\(index).log"),
                            encoding: .utf8
                        )) ?? ""
                }
                let problems = logs.split(separator: "\n").filter {
                    $0.contains(" warning ") || $0.contains(" error ") || $0.contains(" critical ")
                }
                #expect(problems.isEmpty, "\(problems.count) problems logged, e.g. \(problems.prefix(3))")
                let alreadyDone = logs.split(separator: "\n").filter { $0.contains("already done") }.count
                print(
                    "crash safety: \(kills) SIGKILLs, \(events.count) notifications, \(outbox.count) callbacks (\(received.count) deliveries), \(alreadyDone) repeated approvals treated as done, \(elapsed)"
                )
            }
        }
    }

    @Test(
        "admin CLI against a running `entitle serve`: list, show, approve (409 the second time), events, accounts, outbox; a wrong token, no token and a stopped server fail at once with a clear message"
    )
    func adminCLI() async throws {
        try await withSetup(policy: "manual") { setup in
            let (child, admin) = try await serve(setup, run: 1)
            let url = admin.baseURL.absoluteString
            @Sendable func cli(
                _ arguments: [String],
                token: String? = Self.adminToken
            ) async throws -> (status: Int32, output: String) {
                try await ChildProcess.run(
                    setup.executable,
                    arguments: arguments + ["--url", url] + (token.map { ["--token", $0] } ?? [])
                )
            }
            let purchase = try await setup.running.control.buy(
                product: "example-messaging-service",
                plan: "basic",
                account: "CLI-1"
            )
            let id = purchase.entitlementId
            var listed = (status: Int32(-1), output: "")
            for _ in 0..<100 {
                listed = try await cli(["entitlements", "list", "--state", "activation_requested"])
                if listed.output.contains(id) { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(listed.status == 0 && listed.output.contains(id), "\(listed)")
            let shown = try await cli(["entitlements", "show", id])
            #expect(shown.status == 0 && shown.output.contains("\"timeline\""), "\(shown)")
            let approved = try await cli(["entitlements", "decide", "approve", id])
            #expect(approved.status == 0, "\(approved)")
            let again = try await cli(["entitlements", "decide", "approve", id])
            #expect(again.status != 0 && again.output.contains("409"), "a second approval is refused: \(again)")
            let unknownDecision = try await cli(["entitlements", "decide", "bless", id])
            #expect(
                unknownDecision.status != 0 && unknownDecision.output.contains("is not approve"),
                "\(unknownDecision)"
            )
            let events = try await cli(["events", "--subject", "entitlements/\(id)"])
            #expect(
                events.status == 0 && events.output.contains("admin"),
                "the administrator's decision is in the timeline: \(events)"
            )
            let account = try await cli(["accounts", "show", purchase.accountId])
            #expect(account.status == 0 && account.output.contains(id), "\(account)")
            let outbox = try await cli(["outbox", "list", "--status", "failed"])
            #expect(outbox.status == 0, "\(outbox)")

            let wrongToken = try await cli(["entitlements", "list"], token: "not-the-token")
            #expect(wrongToken.status != 0 && wrongToken.output.contains("401"), "\(wrongToken)")
            let noToken = try await cli(["entitlements", "list"], token: nil)
            #expect(noToken.status != 0 && noToken.output.contains("an admin token is needed"), "\(noToken)")
            #expect(try await child.stop() == 0)
            let before = ContinuousClock.now
            let stopped = try await cli(["entitlements", "list"])
            #expect(stopped.status != 0 && stopped.output.contains("cannot reach Entitle"), "\(stopped)")
            #expect(
                ContinuousClock.now - before < .seconds(10),
                "a stopped server fails the command at once, not after the 30 s deadline"
            )
        }
    }
}
