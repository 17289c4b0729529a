import EntitleTestSupport
import Foundation
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// Every transition row of contract §2.2, driven over HTTP, with the notification each one sends.
@Suite(.paced) struct EntitlementTransitionTests {
    /// A signed-up buyer with an ACTIVE entitlement on `plan`; the events so far are drained.
    private func active(
        _ running: RunningEmulator,
        product: String = "example-messaging-service",
        plan: String = "basic",
        offer: [String: String]? = nil
    ) async throws -> String {
        try await running.subscribe()
        let purchase = try await running.buy(product, plan: plan, offer: offer)
        try await running.approveSignup(purchase.accountId)
        #expect(try await running.http.post("\(running.entitlements)/\(purchase.entitlementId):approve").status == 200)
        _ = try await running.events()
        return purchase.entitlementId
    }

    // MARK: Tests

    @Test(
        "order → ACTIVATION_REQUESTED with ACCOUNT_ACTIVE then ENTITLEMENT_CREATION_REQUESTED; the account's signup is PENDING"
    )
    func order() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            try await running.subscribe()
            let purchase = try await running.buy()
            let events = try await running.events()
            #expect(events.map { $0.eventType?.rawValue } == ["ACCOUNT_ACTIVE", "ENTITLEMENT_CREATION_REQUESTED"])
            #expect(events.allSatisfy { $0.providerID?.rawValue == running.provider })
            let entitlement = try await running.entitlement(purchase.entitlementId)
            #expect(entitlement.state == .activationRequested)
            #expect(entitlement.usageReportingId != nil)
            let account: Account = try await running.http.get("\(running.accounts)/\(purchase.accountId)").decode()
            #expect(account.signupApproval?.state == .pending)
            #expect(account.name == "providers/\(running.provider)/accounts/\(purchase.accountId)")
        }
    }

    @Test("ACTIVATION_REQUESTED + :approve after signup → ACTIVE, ENTITLEMENT_ACTIVE")
    func approve() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            let id = try await active(running)
            #expect(try await running.entitlement(id).state == .active)
        }
    }

    @Test(":approve before the account's signup approval → 400 FAILED_PRECONDITION (contract §11, default on)")
    func approveBeforeSignup() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            let purchase = try await running.buy()
            let reply = try await running.http.post("\(running.entitlements)/\(purchase.entitlementId):approve")
            #expect(reply.status == 400)
            #expect(reply.googleError?.status == "FAILED_PRECONDITION")
        }
    }

    @Test("with approval before signup allowed, :approve works at once")
    func approveBeforeSignupAllowed() async throws {
        try await EmulatorHarness.withEmulator(testOptions { $0.requireSignupBeforeApproval = false }) { running in
            let purchase = try await running.buy()
            #expect(
                try await running.http.post("\(running.entitlements)/\(purchase.entitlementId):approve").status == 200
            )
        }
    }

    @Test("ACTIVATION_REQUESTED + :reject → CANCELLED, ENTITLEMENT_CANCELLED")
    func reject() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            try await running.subscribe()
            let purchase = try await running.buy()
            _ = try await running.events()
            #expect(
                try await running.http.post(
                    "\(running.entitlements)/\(purchase.entitlementId):reject",
                    ["reason": "no"]
                ).status == 200
            )
            #expect(try await running.eventTypes() == ["ENTITLEMENT_CANCELLED"])
            #expect(try await running.entitlement(purchase.entitlementId).state == .cancelled)
        }
    }

    @Test(
        "auto-approved private offer → ENTITLEMENT_OFFER_ACCEPTED with start and end; ACTIVE at the scheduled start, no approval call"
    )
    func autoApprovedOffer() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            try await running.subscribe()
            struct Clock: Decodable { var now: Timestamp }
            let now = try await running.http.get("emulator/v1/clock").decode(Clock.self).now
            let start = ISO8601Duration(days: 1).added(to: now)
            let purchase = try await running.buy(
                "example-analytics",
                plan: "team",
                offer: ["duration": "P1Y", "startTime": start.rfc3339]
            )
            let accepted = try await running.events().last
            #expect(accepted?.eventType == .entitlementOfferAccepted)
            guard case .entitlement(let notice)? = accepted?.subject else {
                Issue.record("no entitlement event")
                return
            }
            #expect(notice.newOfferStartTime == start)
            #expect(notice.newOfferDuration == "P1Y")
            #expect(try await running.entitlement(purchase.entitlementId).state == .activationRequested)
            try await running.advance("P1DT1M")
            #expect(try await running.eventTypes() == ["ENTITLEMENT_ACTIVE"])
            let entitlement = try await running.entitlement(purchase.entitlementId)
            #expect(entitlement.state == .active)
            #expect(entitlement.offerDuration == "P1Y")
        }
    }

    @Test(
        "ACTIVE → plan change requested → PENDING_PLAN_CHANGE_APPROVAL; immediate :approvePlanChange → ACTIVE on the new plan, PLAN_CHANGED"
    )
    func planChangeImmediate() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            let id = try await active(running)
            #expect(
                try await running.http.post("emulator/v1/entitlements/\(id)/change-plan", ["plan": "standard"]).status
                    == 200
            )
            let requested = try await running.events()
            #expect(requested.map(\.eventType) == [.entitlementPlanChangeRequested])
            guard case .entitlement(let notice)? = requested.first?.subject else { return }
            #expect(notice.newPlan == "standard")
            #expect(try await running.entitlement(id).newPendingPlan == "standard")
            let approve = try await running.http.post(
                "\(running.entitlements)/\(id):approvePlanChange",
                ["pendingPlanName": "standard"]
            )
            #expect(approve.status == 200, "\(approve)")
            #expect(try await running.eventTypes() == ["ENTITLEMENT_PLAN_CHANGED"])
            let changed = try await running.entitlement(id)
            #expect(changed.state == .active && changed.plan == "standard" && changed.newPendingPlan == nil)
        }
    }

    @Test(
        "a change away from a cycle-end plan → PENDING_PLAN_CHANGE with no event; at the cycle end → ACTIVE, PLAN_CHANGED"
    )
    func planChangeAtCycleEnd() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            let id = try await active(running, plan: "premium")
            _ = try await running.http.post("emulator/v1/entitlements/\(id)/change-plan", ["plan": "basic"])
            _ = try await running.events()
            _ = try await running.http.post(
                "\(running.entitlements)/\(id):approvePlanChange",
                ["pendingPlanName": "basic"]
            )
            #expect(try await running.eventTypes() == [])
            #expect(try await running.entitlement(id).state == .pendingPlanChange)
            try await running.advance("P1M")
            #expect(try await running.eventTypes() == ["ENTITLEMENT_PLAN_CHANGED"])
            #expect(try await running.entitlement(id).plan == "basic")
        }
    }

    @Test(":rejectPlanChange → ACTIVE on the old plan, PLAN_CHANGE_CANCELLED; a customer's withdrawal does the same")
    func planChangeRejectedOrWithdrawn() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            let id = try await active(running)
            _ = try await running.http.post("emulator/v1/entitlements/\(id)/change-plan", ["plan": "standard"])
            _ = try await running.http.post(
                "\(running.entitlements)/\(id):rejectPlanChange",
                ["pendingPlanName": "standard", "reason": "no"]
            )
            #expect(
                try await running.eventTypes() == [
                    "ENTITLEMENT_PLAN_CHANGE_REQUESTED", "ENTITLEMENT_PLAN_CHANGE_CANCELLED",
                ]
            )
            _ = try await running.http.post("emulator/v1/entitlements/\(id)/change-plan", ["plan": "standard"])
            _ = try await running.http.post("emulator/v1/entitlements/\(id)/withdraw-plan-change")
            #expect(
                try await running.eventTypes() == [
                    "ENTITLEMENT_PLAN_CHANGE_REQUESTED", "ENTITLEMENT_PLAN_CHANGE_CANCELLED",
                ]
            )
            let entitlement = try await running.entitlement(id)
            #expect(entitlement.plan == "basic" && entitlement.state == .active)
        }
    }

    @Test(
        "a replacement private offer → PLAN_CHANGE_REQUESTED with newPendingOffer; approved → the offer replaced, PLAN_CHANGED"
    )
    func replacementOffer() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            let id = try await active(running)
            let body: [String: AnyEncodable] = [
                "offer": AnyEncodable(["name": "projects/p/services/s/privateOffers/o2", "duration": "P2Y"])
            ]
            #expect(try await running.http.post("emulator/v1/entitlements/\(id)/change-plan", body).status == 200)
            let pending = try await running.entitlement(id)
            #expect(
                pending.newPendingOffer == "projects/p/services/s/privateOffers/o2"
                    && pending.newPendingOfferDuration == "P2Y"
            )
            _ = try await running.http.post(
                "\(running.entitlements)/\(id):approvePlanChange",
                ["pendingPlanName": "basic"]
            )
            #expect(
                try await running.eventTypes() == ["ENTITLEMENT_PLAN_CHANGE_REQUESTED", "ENTITLEMENT_PLAN_CHANGED"]
            )
            let replaced = try await running.entitlement(id)
            #expect(
                replaced.offer == "projects/p/services/s/privateOffers/o2" && replaced.offerDuration == "P2Y"
                    && replaced.offerEndTime != nil
            )
        }
    }

    @Test(
        "cancel at term end → PENDING_CANCELLATION; revert → ACTIVE, CANCELLATION_REVERTED; again and let the term end → CANCELLED"
    )
    func cancelAtTermEnd() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            let id = try await active(running)
            _ = try await running.http.post("emulator/v1/entitlements/\(id)/cancel", ["immediately": false])
            #expect(try await running.entitlement(id).state == .pendingCancellation)
            _ = try await running.http.post("emulator/v1/entitlements/\(id)/revert-cancellation")
            #expect(
                try await running.eventTypes() == [
                    "ENTITLEMENT_PENDING_CANCELLATION", "ENTITLEMENT_CANCELLATION_REVERTED",
                ]
            )
            _ = try await running.http.post("emulator/v1/entitlements/\(id)/cancel", ["immediately": false])
            try await running.advance("P1M")
            #expect(
                try await running.eventTypes() == [
                    "ENTITLEMENT_PENDING_CANCELLATION", "ENTITLEMENT_CANCELLING", "ENTITLEMENT_CANCELLED",
                ]
            )
            #expect(try await running.entitlement(id).cancellationReason == "user-cancelled")
        }
    }

    @Test("immediate cancel → CANCELLING then CANCELLED; after the purge period → ENTITLEMENT_DELETED and GET 404")
    func immediateCancelAndPurge() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            let id = try await active(running)
            _ = try await running.http.post("emulator/v1/entitlements/\(id)/cancel", ["immediately": true])
            #expect(try await running.eventTypes() == ["ENTITLEMENT_CANCELLING", "ENTITLEMENT_CANCELLED"])
            try await running.advance("P31D")
            #expect(try await running.eventTypes() == ["ENTITLEMENT_DELETED"])
            let gone = try await running.http.get("\(running.entitlements)/\(id)")
            #expect(gone.status == 404 && gone.googleError?.status == "NOT_FOUND")
        }
    }

    @Test("term renewal of a renewing private offer → ENTITLEMENT_RENEWED, offerEndTime moves a term")
    func renewal() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            let purchase = try await running.buy("example-analytics", plan: "team", offer: ["duration": "P1Y"])
            try await running.subscribe()
            try await running.advance("PT1M")
            let before = try await running.entitlement(purchase.entitlementId).offerEndTime
            try await running.advance("P1Y")
            #expect(try await running.eventTypes().contains("ENTITLEMENT_RENEWED"))
            let after = try await running.entitlement(purchase.entitlementId).offerEndTime
            #expect(before != nil && after != nil && after! > before!)
        }
    }

    @Test("a private offer's end → ENTITLEMENT_OFFER_ENDED, the order continues at list price")
    func offerEnd() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            let id = try await active(running, offer: ["duration": "P6M"])
            try await running.advance("P7M")
            #expect(try await running.eventTypes() == ["ENTITLEMENT_OFFER_ENDED"])
            let entitlement = try await running.entitlement(id)
            #expect(entitlement.state == .active && entitlement.offer == nil)
        }
    }

    @Test("accounts:reset → entitlements CANCELLED, signup back to PENDING, no account message")
    func reset() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            let id = try await active(running)
            let account = try await running.entitlement(id).accountID!.rawValue
            #expect(try await running.http.post("\(running.accounts)/\(account):reset").status == 200)
            #expect(try await running.eventTypes() == ["ENTITLEMENT_CANCELLED"])
            let reset: Account = try await running.http.get("\(running.accounts)/\(account)").decode()
            #expect(reset.signupApproval?.state == .pending)
        }
    }

    @Test("Google deletes the account → its orders cancelled, ACCOUNT_DELETED, GET 404")
    func accountDeleted() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            let id = try await active(running)
            let account = try await running.entitlement(id).accountID!.rawValue
            _ = try await running.http.post("emulator/v1/accounts/\(account)/delete")
            #expect(try await running.eventTypes() == ["ENTITLEMENT_CANCELLED", "ACCOUNT_DELETED"])
            #expect(try await running.http.get("\(running.accounts)/\(account)").status == 404)
        }
    }

    @Test("messageToUser is set by patch while the buyer waits, and wiped by the next state change (contract §3.2)")
    func messageToUser() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            let purchase = try await running.buy()
            let patched = try await running.http.send(
                "PATCH",
                "\(running.entitlements)/\(purchase.entitlementId)?updateMask=messageToUser",
                body: ["messageToUser": "Provisioning, 5 minutes"]
            )
            #expect(try patched.decode(Entitlement.self).messageToUser == "Provisioning, 5 minutes")
            try await running.approveSignup(purchase.accountId)
            _ = try await running.http.post("\(running.entitlements)/\(purchase.entitlementId):approve")
            #expect(try await running.entitlement(purchase.entitlementId).messageToUser == nil)
        }
    }
}
