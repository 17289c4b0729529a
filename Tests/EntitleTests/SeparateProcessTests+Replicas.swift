import EntitleStore
import EntitleTestSupport
import Foundation
import GoogleCloud
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// Three `entitle serve` processes on one PostgreSQL database and one subscription, SIGKILLed at
/// random (the leader among them) and restarted while notifications and usage arrive.
extension SeparateProcessTests {
    struct ReplicasView: Decodable {
        var replica: String
        var isLeader: Bool
        var leader: LeaderInfo?
    }

    /// One replica: its port (kept across restarts, so clients find it again), and its process.
    final class Replica: @unchecked Sendable {
        let index: Int
        var port: Int
        var child: ChildProcess?
        var admin: JSONHTTPClient?
        init(index: Int) {
            self.index = index
            self.port = 0
        }
    }

    /// The replicas, started and restarted with run numbers for their log files.
    final class ReplicaSet: @unchecked Sendable {
        let setup: Setup
        let replicas = (0..<3).map { Replica(index: $0) }
        var runs = 0
        /// When each killed process (by pid) was killed, wall clock.
        var killed: [Int32: Date] = [:]

        init(setup: Setup) {
            self.setup = setup
        }

        var ports: [Int] { replicas.map(\.port) }
    }

    private func start(_ set: ReplicaSet, _ replica: Replica) async throws {
        set.runs += 1
        var setup = set.setup
        setup.environment["ENTITLE_HTTP_PORT"] = "\(replica.port)"
        let (child, admin) = try await serve(setup, run: set.runs)
        replica.child = child
        replica.admin = admin
        replica.port = admin.baseURL.port ?? 0
    }

    /// The replica that says it leads, among those running, and how long it took one to say so.
    private func waitForLeader(
        _ set: ReplicaSet,
        timeout: Duration = .seconds(20)
    ) async throws -> (Replica, Duration) {
        let started = ContinuousClock.now
        let leader = try await eventually(within: timeout, every: .milliseconds(50)) { () async throws -> Replica? in
            var leaders: [Replica] = []
            for replica in set.replicas {
                guard let admin = replica.admin,
                    let view = try? await admin.get("api/admin/replicas").decode(ReplicasView.self)
                else { continue }
                if view.isLeader { leaders.append(replica) }
            }
            #expect(leaders.count <= 1, "two replicas lead at once: \(leaders.map(\.index))")
            return leaders.first
        }
        if let leader { return (leader, ContinuousClock.now - started) }
        throw ChildProcessError(message: "no replica led within \(timeout)")
    }

    /// Posts `records` to the replicas in turn from `first` until one answers 202 (they die and
    /// come back; a batch a killed replica had taken is sent again to another, with its keys).
    private func postToAny(_ ports: [Int], first: Int, _ records: [[String: JSONValue]]) async throws -> Int {
        var attempts = 0
        let accepted = try await eventually(within: .seconds(120), every: .milliseconds(100)) {
            () async throws -> Int? in
            let port = ports[(first + attempts) % ports.count]
            attempts += 1
            let usage = JSONHTTPClient(
                baseURL: URL(string: "http://127.0.0.1:\(port)/")!,
                headers: ["Authorization": "Bearer usage-key-of-the-replica-test"]
            )
            let body = ["records": JSONValue.array(records.map { .object($0) })]
            guard let reply = try? await usage.post("v1/usage", body) else { return nil }
            // 503: the store did not answer within its bound (a loaded machine); a client sends again.
            if reply.status == 503 { return nil }
            guard reply.status == 202 else { throw ChildProcessError(message: "usage refused: \(reply)") }
            return attempts
        }
        guard let accepted else { throw ChildProcessError(message: "no replica accepted the batch") }
        return accepted
    }

    private static func pid(inSender sender: String?) -> Int32? {
        // "entitle/0.1.0 (replica HOST-PID-RANDOM)"
        guard let sender, let name = sender.split(separator: " ").last?.dropLast() else { return nil }
        let parts = name.split(separator: "-")
        return parts.count >= 3 ? Int32(parts[parts.count - 2]) : nil
    }

    @Test(
        "replicas under fire: three `entitle serve` on one PostgreSQL and one subscription, ≥10 random SIGKILLs (the leader among them) during 1,100+ notifications and 10,000 usage records, Service Control 30% 503 and 10% answers lost: store equals Google, callbacks neither lost nor out of order per entitlement, billed equals accepted, no operation sent by a second replica while the first lived, leadership moved every time"
    )
    func replicasUnderFire() async throws {
        let service = "example-messaging-service.gcpmarketplace.example.com"
        let faults = Self.unreliableServiceControl(seed: 13, latencyMilliseconds: 100)
        let configFile = try JSONSerialization.data(
            withJSONObject: [
                "usageAPIKeys": ["app": "usage-key-of-the-replica-test"],
                "usageMetrics": ["example-messaging-service": ["basic": ["requests", "storage_gib"]]],
                "usageWindowSeconds": 2,
                "usageReportIntervalSeconds": 1,
            ] as [String: Any]
        )
        let receiver = HTTPReceiver()
        try await TestPostgres.withDatabase { database in
            try await receiver.serve { webhook in
                try await withSetup(
                    policy: "automatic",
                    callbackURL: webhook,
                    faults: faults,
                    configFile: configFile,
                    emulatorStart: Date().addingTimeInterval(-60)
                ) { setup in
                    var setup = setup
                    setup.environment["ENTITLE_STORE_URL"] = database
                    try await underFire(ReplicaSet(setup: setup), service: service, receiver: receiver)
                }
            }
        }
    }

    private func underFire(_ set: ReplicaSet, service: String, receiver: HTTPReceiver) async throws {
        let running = set.setup.running
        let started = ContinuousClock.now
        for replica in set.replicas { try await start(set, replica) }
        _ = try await waitForLeader(set)
        // The usage customers: 20 purchases kept on plan basic.
        let metered = try await meteredPurchases(running, set.replicas[0].admin!, count: 20, accountPrefix: "U")

        let buyersDone = Flag()
        let buyers = Task {
            defer { Task { await buyersDone.set() } }
            try await self.buyers(running)
        }
        let posted = Flag()
        let ports = set.ports
        let entitlements = metered
        let poster = Task { () -> (generator: UsageRecordGenerator, attempts: Int) in
            defer { Task { await posted.set() } }
            var generator = UsageRecordGenerator(
                entitlements: entitlements,
                service: service,
                seed: 1_313,
                keyPrefix: "r"
            )
            var attempts = 0
            for batch in 0..<20 {
                let records = generator.batch(batch)
                attempts += try await postToAny(ports, first: batch, records)
                generator.sent(records)
                // Spread over the buyers' minute: windows close and are reported while leaders die.
                try await Task.sleep(for: .milliseconds(2_500))
            }
            return (generator, attempts)
        }

        var random = SeededRandom(seed: 1_300)
        var kills = 0
        var leaderKills = 0
        var takeovers: [Duration] = []
        var killTimes: [Timestamp] = []
        var killInstants: [ContinuousClock.Instant] = []
        repeat {
            try await Task.sleep(for: .milliseconds(700 + Int(random.next() % 2_000)))
            let (leader, _) = try await waitForLeader(set)
            // Every other kill is the leader's; the rest fall anywhere, the leader included.
            let victim = kills % 2 == 0 ? leader : set.replicas[Int(random.next() % 3)]
            let child = try #require(victim.child)
            set.killed[child.process.processIdentifier] = Date()
            try await child.kill()
            killTimes.append(Timestamp(Date()))
            killInstants.append(.now)
            victim.child = nil
            victim.admin = nil
            kills += 1
            if victim === leader {
                leaderKills += 1
                let (next, took) = try await waitForLeader(set)
                #expect(next !== victim)
                takeovers.append(took)
            }
            try await start(set, victim)
            let buyersFinished = await buyersDone.isSet
            let postingFinished = await posted.isSet
            let done = buyersFinished && postingFinished
            if kills >= 10 && done { break }
        } while kills < 80
        try await buyers.value
        let (generator, attempts) = try await poster.value
        let accepted = generator.accepted
        let fired = ContinuousClock.now - started

        // Convergence: Google's state in the store, no callback pending, all usage reported.
        let admin = try #require(set.replicas[0].admin)
        let google = try await emulatorState(running)
        var mismatches: [String] = []
        var view = UsageView(operations: [], unsealed: [])
        _ = try await eventually(within: .seconds(150), every: .milliseconds(500)) {
            let local = try await stored(admin)
            mismatches = google.compactMap { id, entitlement in
                let mine = local[id]?.resource
                return mine?.state == entitlement.state && mine?.plan == entitlement.plan
                    ? nil
                    : "\(id): Google \(entitlement.state?.rawValue ?? "-")/\(entitlement.plan ?? "-"), store \(mine?.state?.rawValue ?? "-")/\(mine?.plan ?? "-")"
            }
            let pending = try await admin.get("api/admin/outbox?status=pending").decode([OutboxItem].self)
            if !pending.isEmpty { mismatches.append("\(pending.count) callbacks pending") }
            view = try await admin.get("api/admin/usage?limit=10000").decode(UsageView.self)
            if !view.unsealed.isEmpty || !view.operations.allSatisfy({ $0.status == .reported }) {
                let unreported = view.operations.filter { $0.status != .reported }.count
                mismatches.append("usage: \(view.unsealed.count) unsealed, \(unreported) not reported")
            }
            return mismatches.isEmpty
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) differ, e.g. \(mismatches.prefix(5))")
        let converged = ContinuousClock.now - started
        for replica in set.replicas {
            #expect(try await replica.child?.stop() == 0, "graceful stop of replica \(replica.index)")
        }
        // The store, read directly now that no replica runs.
        let store = try await PostgresStore(url: try #require(set.setup.environment["ENTITLE_STORE_URL"]))
        let outbox = try await store.callbacks(status: nil, limit: 1_000_000)
        let events = try await store.auditLog(subject: nil, limit: 1_000_000).filter { $0.kind == .event }.count
        let poison = try await store.poisonMessages(limit: 10).count + (try await store.deadLetters(limit: 10).count)
        await store.close()
        #expect(
            events >= 1_140 && poison == 0,
            "every notification processed (\(events)), none poison or dead (\(poison))"
        )

        let coalesced = try await checkCallbacks(await receiver.requests, outbox: outbox, kills: killInstants)
        let billed = try await running.http.get("emulator/v1/usage-reports").decode(UsageReports.self)
        let expected = generator.expectedTotals
        #expect(billed.totals == expected, "billed sums equal accepted sums for every entitlement × metric")
        let needless = BilledUsage.needlessResends(billed.records)
        let violations = BilledUsage.problems(billed.records).filter { !needless.contains($0) }
        #expect(violations.isEmpty, "no window billed twice, no operationId with two values: \(violations.prefix(5))")
        let offset = try await emulatorOffset(running)
        let unexplained = BilledUsage.answeredBeforeResend(billed.records).filter { answered in
            let wall = Self.micros(answered) - offset
            // Three seconds, not one as in the single-process test: with three replicas, the emulator
            // and PostgreSQL on two cores, a killed leader's last write can trail Google's answer that long.
            return !killTimes.contains { abs(Self.micros($0) - wall) < 3_000_000 }
        }
        #expect(
            unexplained.isEmpty,
            "an answered operation sent again without a kill within 3 s of its answer: \(unexplained.prefix(3))"
        )
        // An operation one replica sent is sent by another only once the first is dead.
        var senders: [String: (pid: Int32, at: Timestamp)] = [:]
        var overlapping: [String] = []
        var bySenders: Set<Int32> = []
        for record in billed.records {
            let pid = try #require(
                Self.pid(inSender: record.sender),
                "every report names its replica: \(record.sender ?? "none")"
            )
            bySenders.insert(pid)
            if let earlier = senders[record.operationId], earlier.pid != pid {
                let wall = Date(timeIntervalSince1970: Double(Self.micros(record.receivedAt) - offset) / 1_000_000)
                if set.killed[earlier.pid].map({ $0 > wall.addingTimeInterval(0.05) }) ?? true {
                    overlapping.append(
                        "\(record.operationId): sent by \(earlier.pid), then by \(pid) while \(earlier.pid) lived"
                    )
                }
            }
            senders[record.operationId] = (pid, record.receivedAt)
        }
        #expect(overlapping.isEmpty, "\(overlapping.prefix(5))")
        #expect(leaderKills >= 5 && takeovers.count == leaderKills)
        let (lostAnswers, resent) = BilledUsage.resendFigures(billed.records)
        let worst = takeovers.max() ?? .zero
        print(
            "replicas under fire: \(kills) SIGKILLs (\(leaderKills) of the leader; takeover worst \(worst), all \(takeovers.map { "\($0)" }.joined(separator: ", "))), \(google.count) entitlements, \(events) notifications, \(outbox.count) callbacks (\(await receiver.requests.count) deliveries; \(coalesced) plan changes told with their cancellation), 10000 records (\(accepted.count) distinct) in \(attempts) POSTs, \(view.operations.count) operations reported by \(bySenders.count) processes, \(resent) resent after \(lostAnswers) lost answers; under fire \(fired), converged \(converged)"
        )
    }

    /// Every outbox row arrived, always with one body; per entitlement the first arrivals run
    /// activated, plan changed, cancelled, as the changes happened.
    /// - Returns: how many cancellations came without the plan change before them.
    private func checkCallbacks(
        _ received: [HTTPReceiver.Request],
        outbox: [OutboxItem],
        kills: [ContinuousClock.Instant]
    ) async throws -> Int {
        var bodies: [String: Set<Data>] = [:]
        var order: [String: [String]] = [:]
        var first: [String: ContinuousClock.Instant] = [:]
        var unexplained: [String] = []
        var activatedOn: [String: String] = [:]
        for request in received {
            let callback = try JSONDecoder().decode(CallbackBody.self, from: request.body)
            if bodies[callback.id] == nil { order[callback.entitlementId ?? "", default: []].append(callback.type) }
            if callback.type == "entitlement.activated" {
                activatedOn[callback.entitlementId ?? ""] = callback.entitlement?.plan ?? ""
            }
            bodies[callback.id, default: []].insert(request.body)
            // Sent again only when its sender died before recording the delivery: a kill between
            // the first delivery (less a second, the answer in flight) and this one.
            if let earlier = first[callback.id],
                !kills.contains(where: { $0 > earlier - .seconds(1) && $0 < request.at })
            {
                unexplained.append(callback.id)
            }
            first[callback.id] = first[callback.id] ?? request.at
        }
        #expect(
            unexplained.isEmpty,
            "\(unexplained.count) callbacks delivered again without a kill between: two replicas sent one"
        )
        #expect(
            Set(bodies.keys) == Set(outbox.map(\.id)),
            "received ids equal the outbox's (\(bodies.count) vs \(outbox.count))"
        )
        #expect(outbox.allSatisfy { $0.status == .delivered })
        #expect(bodies.values.allSatisfy { $0.count == 1 }, "a redelivered callback has the same body")
        // Transitions can reach Entitle in one re-read (a notification held by a killed replica
        // until the ack deadline): a plan change and the cancellation after it, or, when the kill
        // fell between Google's approval and Entitle's commit, the activation and a cancellation
        // right after it. The vendor then hears of the last one only (`transitionCallbacks`; seen
        // once in CI for an activation). Never a callback out of this order, never one twice.
        let canonical = ["entitlement.activated", "entitlement.plan_changed", "entitlement.cancelled"]
        let disordered = order.filter { _, kinds in
            kinds.isEmpty || kinds != canonical.filter { kinds.contains($0) } || Set(kinds).count != kinds.count
        }
        #expect(
            disordered.isEmpty,
            "\(disordered.count) entitlements' callbacks out of order, e.g. \(disordered.prefix(3))"
        )
        let cancelled = order.values.filter { $0.last == canonical[2] }
        // Activated only: the 20 metered purchases on basic, and any upgraded order whose activation
        // was first seen after its plan change (then announced active on standard, as the SIGKILL
        // test allows; seen once locally).
        let activatedOnly = order.filter { $0.value == [canonical[0]] }.keys
        let metered = activatedOnly.filter { activatedOn[$0] == "basic" }
        let collapsed = activatedOnly.filter { activatedOn[$0] != "basic" }
        #expect(metered.count == 20, "the 20 metered purchases: activated only, on basic")
        #expect(
            collapsed.allSatisfy { activatedOn[$0] == "standard" },
            "\(collapsed.map { "\($0): \(activatedOn[$0] ?? "-")" })"
        )
        #expect(
            order.values.filter { $0 == Array(canonical.prefix(2)) }.count + collapsed.count == 150,
            "upgraded and kept: activated, plan changed (\(collapsed.count) collapsed into their activation)"
        )
        #expect(cancelled.count == 100)
        return cancelled.filter { $0.count == 2 }.count
    }
}
