import EntitleTestSupport
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// The typed client of the control API that tests, the bench and the demo use.
@Suite(.paced) struct EmulatorControlClientTests {
    @Test("a purchase, a plan change, a cancellation and time travel; a refusal is thrown with its status")
    func roundTrip() async throws {
        try await EmulatorHarness.withEmulator { running in
            let control = running.control
            let purchase = try await control.buy(product: "example-messaging-service", plan: "basic")
            #expect(purchase.entitlement.state == .activationRequested && !purchase.signupToken.isEmpty)
            let again = try await control.buy(
                product: "example-messaging-service",
                plan: "standard",
                account: purchase.accountId
            )
            #expect(again.accountId == purchase.accountId && again.entitlementId != purchase.entitlementId)
            let before = try await control.advanceClock(seconds: 0)
            let after = try await control.advanceClock(by: "P1D")
            // The emulator's clock also runs on with real time between the two calls.
            #expect((86_400...86_430).contains(after.seconds - before.seconds), "\(before) → \(after)")
            await #expect(throws: EmulatorControlClient.Refused.self) {
                try await control.changePlan(purchase.entitlementId, to: "standard")
            }
            do {
                try await control.cancel("no-such-entitlement")
                Issue.record("cancelling an unknown entitlement was accepted")
            } catch let refused as EmulatorControlClient.Refused {
                #expect(refused.status == 404, "\(refused)")
            }
        }
    }
}
