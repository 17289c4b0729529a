import Entitle
import EntitleStore
import EntitleTestSupport
import Foundation
import GoogleCloud
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// Notifications from the emulator through `PubSubPullService` and `NotificationProcessor` into a
/// real SQLite file, over loopback HTTP.
@Suite(.paced) struct NotificationFlowTests {
    static let subscription = "projects/vendor/subscriptions/entitle"

    /// Runs the emulator, a store on a temporary file and the pull service for `body`.
    private func withPipeline(
        faults: FaultPlan = FaultPlan(),
        policies: ApprovalPolicies = ApprovalPolicies(default: ApprovalPolicy(entitlement: .automatic)),
        backlog: Int = 0,
        ackInterval: Duration = .milliseconds(25),
        ackDeadlineSeconds: Int = 60,
        _ body: @Sendable (RunningEmulator, SQLiteStore, GoogleAPITransport, NotificationProcessor) async throws -> Void
    ) async throws {
        var options = EmulatorOptions()
        options.requireSignupBeforeApproval = false
        options.pullWait = .milliseconds(200)
        options.faults = faults
        try await TemporaryDatabase.withPath { path in
            try await EmulatorHarness.withEmulator(options) { running in
                let transport = try await running.transport()
                let pubsub = running.pubSubClient(transport)
                try await pubsub.createSubscription(
                    Self.subscription,
                    PubSubSubscription(topic: running.emulator.options.topic, ackDeadlineSeconds: 10)
                )
                // Bought before Entitle pulls: their notifications wait as a backlog.
                for _ in 0..<backlog { _ = try await buy(running) }
                let store = try await SQLiteStore(path: path)
                let processor = NotificationProcessor(
                    store: store,
                    procurement: running.procurementClient(transport),
                    policies: policies
                )
                var settings = PubSubPullService.Settings(subscription: Self.subscription, workers: 2)
                settings.ackInterval = ackInterval
                settings.ackDeadlineSeconds = ackDeadlineSeconds
                let service = PubSubPullService(pubsub: pubsub, processor: processor, settings: settings)
                try await ServiceScope.run([service], label: "test.pull") {
                    try await body(running, store, transport, processor)
                }
            }
        }
    }

    func buy(_ running: RunningEmulator, plan: String = "basic") async throws -> EntitlementID {
        let purchase = try await running.control.buy(product: "example-messaging-service", plan: plan)
        return try EntitlementID(purchase.entitlementId)
    }

    /// Waits until `condition` holds for the stored entitlement (at most `within`).
    @discardableResult
    private func eventually(
        _ store: SQLiteStore,
        _ id: EntitlementID,
        within: Duration = .seconds(15),
        _ condition: (LocalEntitlement) -> Bool
    ) async throws -> LocalEntitlement? {
        let reached = try await EntitleTestSupport.eventually(within: within, every: .milliseconds(50)) {
            try await store.entitlement(id).flatMap { condition($0) ? $0 : nil }
        }
        if let reached { return reached }
        Issue.record(
            "\(id) never reached the expected state; stored: \(String(describing: try await store.entitlement(id)))"
        )
        return nil
    }

    /// Messages of Entitle's subscription the emulator has handed out and not seen acked.
    private func leasedMessages(_ running: RunningEmulator) async throws -> Int {
        let state = try await running.control.state()
        return try #require(state.subscriptions[Self.subscription], "\(state.subscriptions.keys)").leased
    }

    private func callbackKinds(_ store: SQLiteStore, _ id: EntitlementID) async throws -> [CallbackKind] {
        try await store.callbacks(status: .pending, limit: 10_000).filter { $0.entitlementID == id }.map(\.kind)
    }

    @Test(
        "acks are batched across workers and sent only after the commits: 20 purchases' notifications cost a few acknowledge calls, and none is left unacked"
    )
    func batchedAcks() async throws {
        // A long interval, so that the figure does not depend on how busy the machine is.
        try await withPipeline(backlog: 20, ackInterval: .milliseconds(500)) { running, _, _, processor in
            // Each purchase: the account's activation, the creation, and (after Entitle's approval) ENTITLEMENT_ACTIVE.
            _ = try await EntitleTestSupport.eventually(within: .seconds(30), every: .milliseconds(50)) {
                processor.counters.snapshot.processed >= 60
            }
            let notifications = processor.counters.snapshot.processed
            // The last acks go out within one interval of their commits; a loaded machine has
            // taken longer than 1.2 s to send them, so wait until the emulator holds no lease.
            let acked = ContinuousClock.now + .seconds(15)
            while try await leasedMessages(running) > 0, ContinuousClock.now < acked {
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(try await leasedMessages(running) == 0, "every notification acked")
            let counts = try await running.control.requestCounts()
            let acks = counts["pubsub.subscriptions.acknowledge"] ?? 0
            #expect(notifications == 60, "\(processor.counters.snapshot)")
            // One per notification before batching; a backlog pulled by two workers needs a few.
            #expect(acks >= 1 && acks * 4 <= notifications, "\(counts) for \(notifications) notifications")
            // Nothing left unacked: past the ack deadline nothing comes back as a duplicate.
            try await running.control.advanceClock(by: "PT30S")
            try await Task.sleep(for: .milliseconds(500))
            #expect(processor.counters.snapshot.duplicates == 0, "\(processor.counters.snapshot)")
        }
    }

    @Test(
        "messages worked on for longer than 3 s have their leases extended together, before the subscription's 10 s deadline although Entitle asks for 60 s; acked once"
    )
    func leasesExtended() async throws {
        // Every Procurement call takes 3.5 s; the subscription's deadline is 10 s, Entitle's 60 s.
        let slow = FaultPlan(rules: [.init(api: .procurement, latencyMilliseconds: 3500)])
        try await withPipeline(faults: slow) { running, store, _, processor in
            let started = ContinuousClock.now
            let id = try await buy(running)
            // ≈ 11 s on a quiet machine (7 s for the creation, 3.5 s for ENTITLEMENT_ACTIVE's
            // re-read); the parallel suite on two cores has taken longer than 15 s.
            try await eventually(store, id, within: .seconds(45)) { $0.state == .active }
            let elapsed = ContinuousClock.now - started
            let counts = try await running.control.requestCounts()
            // Three notifications, each held ≥ 3.5 s, the creation's 7 s (re-read and approve): a
            // round every 3 s extends those held for a whole round, the creation's at the latest at
            // 6 s. With a third of Entitle's 60 s, the first round would come after 10 s.
            let extensions = counts["pubsub.subscriptions.modifyAckDeadline"] ?? 0
            #expect(extensions >= 1, "\(counts)")
            // One round every 3 s for all the messages in hand, not one per message and round
            // (that would be up to three per round).
            let rounds = Int((elapsed / .seconds(3)).rounded(.up)) + 1
            #expect(extensions <= rounds, "\(counts) in \(elapsed)")
            #expect(
                processor.counters.snapshot.duplicates == 0 && processor.counters.snapshot.processed >= 2,
                "\(processor.counters.snapshot)"
            )
        }
    }

    @Test("automatic approval: purchase, plan change, cancellation reach the store by notifications; callbacks once")
    func purchaseLifecycle() async throws {
        try await withPipeline { running, store, transport, _ in
            let id = try await buy(running)
            try await eventually(store, id) { $0.state == .active }
            #expect(
                try await running.procurementClient(transport).entitlement(id).state == .active,
                "approved at Google"
            )
            try await running.control.changePlan(id.rawValue, to: "standard")
            try await eventually(store, id) { $0.plan == "standard" && $0.state == .active }
            try await running.control.cancel(id.rawValue, immediately: true)
            try await eventually(store, id) { $0.state == .cancelled }
            let kinds = try await callbackKinds(store, id)
            #expect(
                kinds.filter { $0 == .activated }.count == 1 && kinds.filter { $0 == .planChanged }.count == 1,
                "\(kinds)"
            )
            #expect(kinds.filter { $0 == .cancelled }.count == 1, "\(kinds)")
            let audit = try await store.auditLog(subject: "entitlements/\(id.rawValue)", limit: 100)
            #expect(
                audit.contains { $0.kind == .event && $0.payload?.contains(id.rawValue) == true },
                "events kept with their raw payload"
            )
        }
    }

    @Test(
        "with half the notifications duplicated and a poison message on the topic: state converges, callbacks once each, the poison is kept and acked"
    )
    func duplicatesAndPoison() async throws {
        try await withPipeline(faults: FaultPlan(seed: 11, duplicateRate: 0.5)) { running, store, transport, _ in
            let topic = running.emulator.options.topic
            _ = try await running.pubSubClient(transport).publish(
                topic,
                [PubSubMessage(data: Data("not json {".utf8), attributes: ["x": "y"])]
            )
            var ids: [EntitlementID] = []
            for _ in 0..<5 { ids.append(try await buy(running)) }
            for id in ids { try await eventually(store, id) { $0.state == .active } }
            for id in ids {
                let kinds = try await callbackKinds(store, id)
                #expect(kinds.filter { $0 == .activated }.count == 1, "\(id): \(kinds)")
            }
            let deadline = ContinuousClock.now + .seconds(5)
            while try await store.poisonMessages(limit: 10).isEmpty, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            try await Task.sleep(for: .milliseconds(500))
            let poison = try await store.poisonMessages(limit: 10)
            #expect(
                poison.count == 1 && poison.first?.data == Data("not json {".utf8)
                    && poison.first?.attributes == ["x": "y"]
            )
        }
    }

    @Test(
        "convergence: 200 random purchase histories with 30% of notifications duplicated and 30% held back end with the store equal to Google, and approvals refused only by a buyer's action racing them"
    )
    func convergence() async throws {
        let faults = FaultPlan(seed: 29, duplicateRate: 0.3, holdRate: 0.3)
        try await withPipeline(faults: faults) { running, store, _, processor in
            var random = SeededRandom(seed: 2026)
            var ids: [EntitlementID] = []
            for index in 0..<200 {
                let plan = ["basic", "standard"][Int(random.next() % 2)]
                let purchase = try await running.control.buy(
                    product: "example-messaging-service",
                    plan: plan,
                    account: "C-\(index)"
                )
                ids.append(try EntitlementID(purchase.entitlementId))
            }
            // Three rounds of buyer actions over every history, interleaved; some are refused by
            // Google for the state the entitlement is in, as a real buyer's would be.
            for _ in 0..<3 {
                for id in ids {
                    switch random.next() % 6 {
                    case 0, 1:
                        _ = try await running.http.post(
                            "emulator/v1/entitlements/\(id.rawValue)/change-plan",
                            ["plan": ["basic", "standard", "premium"][Int(random.next() % 3)]]
                        )
                    case 2:
                        _ = try await running.http.post(
                            "emulator/v1/entitlements/\(id.rawValue)/cancel",
                            ["immediately": random.next() % 2 == 0]
                        )
                    case 3:
                        _ = try await running.http.post("emulator/v1/entitlements/\(id.rawValue)/revert-cancellation")
                    default: break
                    }
                }
            }
            // An approved change that waits for the cycle end is announced only when it takes effect
            // (contract §2.2: "none until effective"): end the cycle, as time would.
            try await running.control.advanceClock(by: "P1M")
            var mismatches: [String] = []
            _ = try await EntitleTestSupport.eventually(within: .seconds(90), every: .milliseconds(250)) {
                // Reading the state also releases held-back messages once nothing newer comes.
                let google = try await running.control.state()
                mismatches = []
                for entitlement in google.entitlements {
                    guard let id = entitlement.id else { continue }
                    let local = try await store.entitlement(id)?.resource
                    if local?.state != entitlement.state || local?.plan != entitlement.plan
                        || local?.newPendingPlan != entitlement.newPendingPlan
                    {
                        mismatches.append(
                            "\(id): Google \(entitlement.state?.rawValue ?? "-")/\(entitlement.plan ?? "-"), store \(local?.state?.rawValue ?? "-")/\(local?.plan ?? "-")"
                        )
                    }
                }
                return mismatches.isEmpty
            }
            #expect(mismatches.isEmpty, "\(mismatches.count) differ, e.g. \(mismatches.prefix(5))")
            let counters = processor.counters.snapshot
            // The buyer acts while Entitle works, so a cancellation can land between Entitle's re-read
            // and its approval of a plan change: Google refuses that one, Entitle re-reads and moves on
            // (the store still converges, checked above). Such races are few; stale decisions would be
            // many. (To demand zero, the buyer's next action must wait for Entitle: see the note.)
            #expect(counters.refusedCalls <= max(3, counters.apiCalls / 50), "approvals refused by Google: \(counters)")
            #expect(counters.apiCalls >= 200 && counters.duplicates > 0, "\(counters)")
            print("convergence: \(counters)")
        }
    }

    @Test(
        "an approved plan change that waits for the cycle end shows as PENDING_PLAN_CHANGE at once, then as the new plan with one plan_changed callback when the cycle ends"
    )
    func cycleEndPlanChange() async throws {
        try await withPipeline { running, store, _, _ in
            let id = try await buy(running, plan: "premium")
            try await eventually(store, id) { $0.state == .active }
            try await running.control.changePlan(id.rawValue, to: "basic")
            // Google publishes nothing for this state (contract §2.2): the store has it from the
            // re-read after the approval, not from a notification.
            let pending = try await eventually(store, id) { $0.state == .pendingPlanChange }
            #expect(pending?.resource.newPendingPlan == "basic" && pending?.plan == "premium")
            try await running.control.advanceClock(by: "P1M")
            try await eventually(store, id) { $0.state == .active && $0.plan == "basic" }
            let kinds = try await callbackKinds(store, id)
            #expect(kinds.filter { $0 == .planChanged }.count == 1, "\(kinds)")
        }
    }
}
