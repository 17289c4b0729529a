import Entitle
import EntitleStore
import EntitleTestSupport
import Foundation
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// An order that moves to another billing account ends as `migrated`: announced as such (not as a
/// cancellation), so the app keeps the customer; the new order arrives and is approved as usual.
extension HandoffTests {
    @Test("a migration is announced as entitlement.migrated, not cancelled; the new order becomes active")
    func migration() async throws {
        try await Self.withSignupDeployment { configuration in
            configuration.appURL = "https://app.example.com/welcome"
            configuration.usageAPIKeys = ["shop": AppAccess(Self.shopKey)]
        } _: { running, entitle, _ in
            let purchase = try await Self.buyBasic(running)
            _ = try await Self.signUp(
                SignupBrowser(JSONHTTPClient(baseURL: entitle.baseURL)),
                token: purchase.signupToken
            )
            let old = try EntitlementID(purchase.entitlementId)
            #expect(
                try await eventually(within: .seconds(20)) {
                    try await entitle.store.entitlement(old)?.state == .active
                }
            )

            let moved = try await running.control.migrate(purchase.entitlementId)
            #expect(moved.accountId == purchase.accountId && moved.entitlementId != purchase.entitlementId)
            let new = try EntitlementID(moved.entitlementId)
            let settled = try await eventually(within: .seconds(30), every: .milliseconds(100)) {
                let ended = try await entitle.store.entitlement(old)?.state == .cancelled
                let started = try await entitle.store.entitlement(new)?.state == .active
                return ended && started
            }
            #expect(settled, "the old order ended, the new one approved after sign-up as any order")
            let told = try await entitle.store.callbacks(subject: "entitlements/\(old.rawValue)", limit: 20).map(\.kind)
            #expect(told.contains(.migrated) && !told.contains(.cancelled), "\(told)")
            let shown = try await entitle.client(bearer: Self.shopKey).get("v1/entitlements/\(old.rawValue)")
            #expect(shown.text.contains(#""cancellationReason":"migrated""#), "\(shown)")
            let fresh = try await entitle.store.callbacks(subject: "entitlements/\(new.rawValue)", limit: 20).map(
                \.kind
            )
            #expect(fresh.contains(.activated), "\(fresh)")
        }
    }
}
