import Entitle
import EntitleStore
import EntitleTestSupport
import Foundation
import GoogleCloud
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// A notification that read the account at Google before the sign-up approved it, and commits
/// after the sign-up did: what it read must not put the approval back to PENDING. Nothing at Google
/// changes after the approval to correct it, so the account would stay "not active" for Entitle
/// (an agent's registration refused, the console wrong) until a resync.
extension SignupTests {
    static let subscription = "projects/vendor/subscriptions/entitle"

    @Test("an account notification read before the sign-up approval and committed after it leaves the account approved")
    func accountNotificationRacesSignup() async throws {
        try await withSignup { fixture in
            let pubsub = try await fixture.running.subscribe(Self.subscription, try await fixture.running.transport())
            let purchase = try await buy(fixture)
            let message = try await pubsub.message("ACCOUNT_ACTIVE", on: Self.subscription)
            try await signUp(fixture, purchase, whileHandling: message)
        }
    }

    @Test(
        "an order refused before the sign-up, its account read before the approval, committed after: still approved"
    )
    func refusedOrderRacesSignup() async throws {
        // Automatic: Entitle approves the order at once, and Google refuses it until the sign-up.
        try await withSignup(policies: ApprovalPolicies(default: ApprovalPolicy(entitlement: .automatic))) { fixture in
            let pubsub = try await fixture.running.subscribe(Self.subscription, try await fixture.running.transport())
            let purchase = try await buy(fixture)
            let message = try await pubsub.message("ENTITLEMENT_CREATION_REQUESTED", on: Self.subscription)
            try await signUp(fixture, purchase, whileHandling: message)
            let id = try EntitlementID(purchase.entitlementId)
            #expect(try await fixture.procurement.entitlement(id).state == .active, "the sign-up approved the order")
        }
    }

    /// Handles `message` with the account's read at Google answered late (2.5 s after it was
    /// served, showing the account before the sign-up); the sign-up is submitted meanwhile. Then
    /// the account is approved in Entitle's store as at Google.
    private func signUp(
        _ fixture: Fixture,
        _ purchase: EmulatorPurchase,
        whileHandling message: PubSubMessage
    ) async throws {
        let account = try AccountID(purchase.accountId)
        let (session, csrf, cookie) = try await openForm(fixture, token: purchase.signupToken)
        let control = fixture.running.control
        try await control.resetRequestCounts()
        let lateRead = FaultPlan.Rule(api: .procurement, method: "accounts.get", answerLatencyMilliseconds: 2_500)
        try await control.setFaults(FaultPlan(rules: [lateRead]))
        let handling = Task {
            try await fixture.processor.handle(data: message.data, messageID: message.messageId)
        }
        let read = try await eventually(within: .seconds(10)) {
            try await control.requestCounts()["procurement.accounts.get"] ?? 0 > 0
        }
        // Counted as it arrives: a moment more and it is served, its answer on the way.
        try await Task.sleep(for: .milliseconds(100))
        try await control.setFaults(FaultPlan())
        let fields = [
            ("session", session), ("csrf", csrf), ("company", "Example Ltd"), ("contactName", "Ada Lovelace"),
            ("email", "ada@example.com"),
        ]
        let submitted = Task { try await postForm(fixture, "signup/complete", fields, cookie: cookie) }
        // The buyer does not wait for the notification: approved at Google while its read is on the way.
        let approvedAtOnce = try await eventually(within: .milliseconds(1_500)) {
            try await control.requestCounts()["procurement.accounts.approve"] ?? 0 > 0
        }
        let done = try await submitted.value
        let outcome = try await handling.value
        #expect(approvedAtOnce, "the sign-up approved the account while the notification's read was on its way")
        #expect(read, "the notification read the account")
        #expect(done.status == 303, "\(done)")
        #expect(try await fixture.procurement.account(account).signupApproval?.state == .approved)
        let stored = try await fixture.store.account(account)
        #expect(
            stored?.signupApproval == .approved && stored?.isSignedUp == true,
            "\(String(describing: stored)) after \(outcome)"
        )
    }
}
