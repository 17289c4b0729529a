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
@Suite struct NotificationFlowTests {
    static let subscription = "projects/vendor/subscriptions/entitle"

    /// Runs the emulator, a store on a temporary file and the pull service for `body`.
    private func withPipeline(
        faults: FaultPlan = FaultPlan(),
        policies: ApprovalPolicies = ApprovalPolicies(default: ApprovalPolicy(entitlement: .automatic)),
        _ body: @Sendable (RunningEmulator, SQLiteStore, GoogleAPITransport) async throws -> Void
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
                let store = try await SQLiteStore(path: path)
                let processor = NotificationProcessor(store: store, procurement: running.procurementClient(transport), policies: policies)
                let service = PubSubPullService(pubsub: pubsub, processor: processor, settings: .init(subscription: Self.subscription, workers: 2))
                try await ServiceScope.run([service], label: "test.pull") { try await body(running, store, transport) }
            }
        }
    }

    struct Purchase: Decodable {
        var accountId: String
        var entitlementId: String
    }

    private func buy(_ running: RunningEmulator, plan: String = "basic") async throws -> EntitlementID {
        let purchase: Purchase = try await running.http.post("emulator/v1/purchases", ["product": "example-messaging-service", "plan": plan]).decode()
        return try EntitlementID(purchase.entitlementId)
    }

    /// Waits until `condition` holds for the stored entitlement (at most 15 s).
    @discardableResult
    private func eventually(_ store: SQLiteStore, _ id: EntitlementID, _ condition: (LocalEntitlement) -> Bool) async throws -> LocalEntitlement? {
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            if let local = try await store.entitlement(id), condition(local) { return local }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("\(id) never reached the expected state; stored: \(String(describing: try await store.entitlement(id)))")
        return nil
    }

    private func callbackKinds(_ store: SQLiteStore, _ id: EntitlementID) async throws -> [CallbackKind] {
        try await store.dueCallbacks(now: Timestamp(seconds: 253_402_300_799), limit: 10_000).filter { $0.entitlementID == id }.map(\.kind)
    }

    @Test("automatic approval: a purchase, a plan change and a cancellation reach the store through notifications alone, each callback once")
    func purchaseLifecycle() async throws {
        try await withPipeline { running, store, transport in
            let id = try await buy(running)
            try await eventually(store, id) { $0.state == .active }
            #expect(try await running.procurementClient(transport).entitlement(id).state == .active, "approved at Google")
            _ = try await running.http.post("emulator/v1/entitlements/\(id.rawValue)/change-plan", ["plan": "standard"]).decode(Entitlement.self)
            try await eventually(store, id) { $0.plan == "standard" && $0.state == .active }
            _ = try await running.http.post("emulator/v1/entitlements/\(id.rawValue)/cancel", ["immediately": true]).decode(Entitlement.self)
            try await eventually(store, id) { $0.state == .cancelled }
            let kinds = try await callbackKinds(store, id)
            #expect(kinds.filter { $0 == .activated }.count == 1 && kinds.filter { $0 == .planChanged }.count == 1, "\(kinds)")
            #expect(kinds.filter { $0 == .cancelled }.count == 1, "\(kinds)")
            let audit = try await store.auditLog(subject: "entitlements/\(id.rawValue)", limit: 100)
            #expect(audit.contains { $0.kind == .event && $0.payload?.contains(id.rawValue) == true }, "events kept with their raw payload")
        }
    }

    @Test(
        "with half the notifications duplicated and a poison message on the topic: state converges, callbacks once each, the poison is kept and acked"
    )
    func duplicatesAndPoison() async throws {
        try await withPipeline(faults: FaultPlan(seed: 11, duplicateRate: 0.5)) { running, store, transport in
            let topic = running.emulator.options.topic
            _ = try await running.pubSubClient(transport).publish(topic, [PubSubMessage(data: Data("not json {".utf8), attributes: ["x": "y"])])
            var ids: [EntitlementID] = []
            for _ in 0..<5 { ids.append(try await buy(running)) }
            for id in ids { try await eventually(store, id) { $0.state == .active } }
            for id in ids {
                let kinds = try await callbackKinds(store, id)
                #expect(kinds.filter { $0 == .activated }.count == 1, "\(id): \(kinds)")
            }
            let deadline = ContinuousClock.now + .seconds(5)
            while try await store.poisonMessages(limit: 10).isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
            try await Task.sleep(for: .milliseconds(500))
            let poison = try await store.poisonMessages(limit: 10)
            #expect(poison.count == 1 && poison.first?.data == Data("not json {".utf8) && poison.first?.attributes == ["x": "y"])
        }
    }
}
