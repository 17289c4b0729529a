import Entitle
import EntitleStore
import EntitleTestSupport
import Foundation
import GoogleCloud
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// Resync repairs a store that missed every notification, and then finds nothing to repair.
@Suite(.paced) struct ResyncTests {
    @Test("with no notification processed, resync records and approves what Google has, then converges to no repairs")
    func repairsMissedNotifications() async throws {
        try await TemporaryDatabase.withPath { path in
            var options = EmulatorOptions()
            options.requireSignupBeforeApproval = false
            try await EmulatorHarness.withEmulator(options) { running in
                let procurement = running.procurementClient(try await running.transport())
                let store = try await SQLiteStore(path: path)
                let clock = ManualClock(Timestamp(Date()))
                let processor = NotificationProcessor(
                    store: store,
                    procurement: procurement,
                    policies: ApprovalPolicies(default: ApprovalPolicy(entitlement: .automatic)),
                    now: { clock.now }
                )
                let resync = ResyncService(procurement: procurement, store: store, processor: processor)
                var ids: [EntitlementID] = []
                for index in 0..<3 {
                    let purchase = try await running.control.buy(
                        product: "example-messaging-service",
                        plan: "basic",
                        account: "E-\(index)"
                    )
                    ids.append(try EntitlementID(purchase.entitlementId))
                }
                let first = try await resync.resyncOnce()
                #expect(first.repaired == 6, "3 accounts and 3 entitlements were unknown: \(first)")
                for id in ids {
                    #expect(try await procurement.entitlement(id).state == .active, "approved by policy during resync")
                }
                let second = try await resync.resyncOnce()
                #expect(second.repaired == 3, "the approvals changed the entitlements: \(second)")
                for id in ids { #expect(try await store.entitlement(id)?.state == .active) }
                let third = try await resync.resyncOnce()
                #expect(third.repaired == 0 && third.checked == 6, "\(third)")
                let audit = try await store.auditLog(subject: "entitlements/\(ids[0].rawValue)", limit: 50)
                #expect(audit.contains { $0.kind == .repair })
                // Purged at Google: cancelled, then past the purge period.
                try await running.control.cancel(ids[0].rawValue, immediately: true)
                try await running.control.advanceClock(by: "P31D")
                _ = try await resync.resyncOnce()
                let missing = try await store.entitlement(ids[0])
                #expect(
                    missing?.isDeleted == false && missing?.missingSince == clock.now,
                    "one 404 is not believed: \(String(describing: missing))"
                )
                clock.advance(seconds: 301)
                _ = try await resync.resyncOnce()
                #expect(
                    try await store.entitlement(ids[0])?.isDeleted == true,
                    "no longer listed → re-read → 404 for 5 minutes → deleted"
                )
                let cancelled = try await store.callbacks(status: nil, limit: 100).filter {
                    $0.kind == .cancelled && $0.entitlementID == ids[0]
                }
                #expect(cancelled.count == 1, "the lost cancellation is announced once")
            }
        }
    }
}
