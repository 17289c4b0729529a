import Entitle
import EntitleStore
import EntitleTestSupport
import Foundation
import GoogleCloud
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// One 404 does not deprovision: Google answering NOT_FOUND for an
/// entitlement in service is believed only once it lasts, and an entitlement that reappears is
/// restored by resync and announced again.
@Suite(.paced) struct AbsenceTests {
    struct World: Sendable {
        var running: RunningEmulator
        var store: SQLiteStore
        var processor: NotificationProcessor
        var resync: ResyncService
        var clock: ManualClock
    }

    func withWorld(_ body: @Sendable (World) async throws -> Void) async throws {
        try await TemporaryDatabase.withPath { path in
            var options = EmulatorOptions()
            options.requireSignupBeforeApproval = false
            try await EmulatorHarness.withEmulator(options) { running in
                let procurement = running.procurementClient(try await running.transport(retryPolicy: .none))
                let store = try await SQLiteStore(path: path)
                let clock = ManualClock(Timestamp(Date()))
                let processor = NotificationProcessor(
                    store: store,
                    procurement: procurement,
                    policies: ApprovalPolicies(default: ApprovalPolicy(entitlement: .automatic)),
                    absenceConfirmationSeconds: 300,
                    now: { clock.now }
                )
                let resync = ResyncService(procurement: procurement, store: store, processor: processor)
                try await body(
                    World(running: running, store: store, processor: processor, resync: resync, clock: clock)
                )
            }
        }
    }

    /// A purchase, approved and recorded active.
    func active(_ world: World) async throws -> EntitlementID {
        let purchase = try await world.running.control.buy(product: "example-messaging-service", plan: "basic")
        let id = try EntitlementID(purchase.entitlementId)
        try await world.processor.reconcile(id, trigger: .resync, auditKind: .repair, summary: "test")
        try await world.processor.reconcile(id, trigger: .resync, auditKind: .repair, summary: "test")
        try #require(try await world.store.entitlement(id)?.state == .active)
        return id
    }

    func notFound(_ world: World, _ on: Bool) async throws {
        let plan = on ? FaultPlan(seed: 1, rules: [.init(api: .procurement, errorRate: 1, status: 404)]) : FaultPlan()
        try await world.running.control.setFaults(plan)
    }

    func callbacks(_ world: World, _ id: EntitlementID, _ kind: CallbackKind) async throws -> [OutboxItem] {
        try await world.store.callbacks(status: nil, limit: 500).filter { $0.entitlementID == id && $0.kind == kind }
    }

    @Test(
        "a 404 for an entitlement in service deprovisions nothing: the event is handed back (not in the inbox), nothing is announced; found again, it is as before"
    )
    func single404() async throws {
        try await withWorld { world in
            let id = try await active(world)
            let event = Data(
                #"{"eventId":"ev-404","eventType":"ENTITLEMENT_PLAN_CHANGE_CANCELLED","providerId":"p","entitlement":{"id":"\#(id.rawValue)","updateTime":"2026-01-01T00:00:00Z"}}"#
                    .utf8
            )
            try await notFound(world, true)
            await #expect(throws: (any Error).self, "handed back to be looked at again") {
                try await world.processor.handle(data: event, messageID: "m-1")
            }
            #expect(
                try await world.store.isProcessed(eventID: "ev-404") == false,
                "the redelivery will not be a duplicate"
            )
            let marked = try await world.store.entitlement(id)
            #expect(
                marked?.isDeleted == false && marked?.state == .active && marked?.missingSince == world.clock.now,
                "\(String(describing: marked))"
            )
            #expect(try await callbacks(world, id, .cancelled).isEmpty, "nothing announced")

            try await notFound(world, false)
            world.clock.advance(seconds: 20)
            #expect(try await world.processor.handle(data: event, messageID: "m-1") != .duplicate)
            let found = try await world.store.entitlement(id)
            #expect(found?.isDeleted == false && found?.missingSince == nil, "\(String(describing: found))")
            #expect(try await callbacks(world, id, .cancelled).isEmpty)
        }
    }

    @Test(
        "a 404 that lasts past absenceConfirmationSeconds ends the entitlement with one entitlement.cancelled; when it reappears, resync restores it (audit repair) and announces it again"
    )
    func confirmedThenRestored() async throws {
        try await withWorld { world in
            let id = try await active(world)
            try await notFound(world, true)
            try await world.processor.reconcile(id, trigger: .resync, auditKind: .repair, summary: "test")
            world.clock.advance(seconds: 200)
            try await world.processor.reconcile(id, trigger: .resync, auditKind: .repair, summary: "test")
            #expect(try await world.store.entitlement(id)?.isDeleted == false, "not yet: 200 s of 300")
            world.clock.advance(seconds: 101)
            try await world.processor.reconcile(id, trigger: .resync, auditKind: .repair, summary: "test")
            #expect(try await world.store.entitlement(id)?.isDeleted == true, "confirmed")
            #expect(try await callbacks(world, id, .cancelled).count == 1)

            try await notFound(world, false)
            _ = try await world.resync.resyncOnce()
            let restored = try await world.store.entitlement(id)
            #expect(restored?.isDeleted == false && restored?.state == .active, "\(String(describing: restored))")
            #expect(try await callbacks(world, id, .activated).count == 2, "announced again, under a new id")
            let audit = try await world.store.auditLog(subject: "entitlements/\(id.rawValue)", limit: 50)
            #expect(audit.contains { $0.kind == .repair && $0.summary.contains("resync") }, "\(audit.map(\.summary))")
            #expect(try await world.resync.resyncOnce().repaired == 0, "and then nothing to repair")
        }
    }
}
