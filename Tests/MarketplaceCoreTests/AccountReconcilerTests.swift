import MarketplaceCore
import Testing

@Suite struct AccountReconcilerTests {
    private func account(_ signup: ApprovalState, at time: Timestamp = Given.t2) -> Account {
        Account(
            name: "providers/DEMO-p/accounts/\(Given.accountID)",
            state: .active,
            approvals: [Approval(name: "signup", state: signup)],
            updateTime: time
        )
    }

    private func decide(
        _ trigger: ReconcileTrigger,
        _ fetched: FetchResult<Account>,
        _ local: LocalAccount?
    ) -> [ReconcilerAction] {
        EntitlementReconciler.decide(
            AccountSituation(trigger: trigger, accountID: Given.accountID, fetched: fetched, local: local)
        )
    }

    // MARK: Tests

    @Test("§1.3 ACCOUNT_ACTIVE with signup PENDING → mirror it; never approve the account (§10.3)")
    func accountActive() {
        let actions = decide(Given.accountEvent(.accountActive), .found(account(.pending)), nil)
        #expect(
            actions == [
                .recordAccount(LocalAccount(id: Given.accountID, signupApproval: .pending, updateTime: Given.t2))
            ]
        )
        #expect(!actions.contains { $0.callsGoogle })
    }

    @Test("§1.2 an account message without eventType is handled like ACCOUNT_ACTIVE")
    func withoutType() {
        #expect(
            decide(Given.accountEvent(nil), .found(account(.pending)), nil)
                == decide(Given.accountEvent(.accountActive), .found(account(.pending)), nil)
        )
    }

    @Test("§1.3 ACCOUNT_CREATION_REQUESTED is deprecated → nothing, ack")
    func deprecated() {
        #expect(
            decide(Given.accountEvent(.accountCreationRequested), .found(account(.pending)), nil) == [
                .nothing(.deprecatedEvent(.accountCreationRequested))
            ]
        )
    }

    @Test("§1.3 ACCOUNT_DELETED, GET 404 → erase personal data, record it, account.deleted callback")
    func deleted() {
        let local = Given.account(signedUp: true)
        var erased = local
        erased.isErased = true
        #expect(
            decide(Given.accountEvent(.accountDeleted), .notFound, local) == [
                .eraseAccountData(Given.accountID), .recordAccount(erased),
                .enqueueCallback(
                    CallbackRequest(kind: .accountDeleted, accountID: Given.accountID, entitlementID: nil)
                ),
            ]
        )
    }

    @Test("§1.3 ACCOUNT_DELETED again → idempotent: nothing")
    func deletedTwice() {
        #expect(
            decide(Given.accountEvent(.accountDeleted), .notFound, Given.account(signedUp: true, erased: true)) == [
                .nothing(.alreadyErased)
            ]
        )
    }

    @Test("§1.3 ACCOUNT_DELETED for an account never seen → nothing to erase")
    func deletedUnknown() {
        #expect(decide(Given.accountEvent(.accountDeleted), .notFound, nil) == [.nothing(.resourceGone)])
    }

    @Test("§1.4.3 ACCOUNT_DELETED but the re-read finds the account → trust the re-read: mirror, do not erase")
    func deletedButFound() {
        let actions = decide(
            Given.accountEvent(.accountDeleted),
            .found(account(.approved)),
            Given.account(signedUp: true)
        )
        #expect(
            actions == [
                .recordAccount(
                    LocalAccount(id: Given.accountID, signupApproval: .approved, isSignedUp: true, updateTime: Given.t2)
                )
            ]
        )
    }

    @Test("§1.4.4 a stale account copy changes nothing")
    func stale() {
        #expect(
            decide(
                Given.accountEvent(.accountActive),
                .found(account(.pending, at: Given.t1)),
                Given.account(signedUp: true, at: Given.t2)
            ) == [
                .nothing(.staleResource(fetched: Given.t1, stored: Given.t2))
            ]
        )
    }

    @Test("the same account copy again → nothing")
    func upToDate() {
        let local = LocalAccount(id: Given.accountID, signupApproval: .pending, updateTime: Given.t2)
        #expect(decide(Given.accountEvent(.accountActive), .found(account(.pending)), local) == [.nothing(.upToDate)])
    }

    @Test("an unknown account event type is logged and the account mirrored")
    func unknownType() {
        let actions = decide(Given.accountEvent(.unknown("ACCOUNT_SUSPENDED")), .found(account(.pending)), nil)
        #expect(actions.last == .logUnknownEventType("ACCOUNT_SUSPENDED"))
        #expect(actions.count == 2)
    }
}

@Suite struct ManualDecisionTests {
    private func action(
        _ decision: ManualDecision,
        _ fetched: FetchResult<Entitlement>
    ) throws(ManualDecisionError) -> ReconcilerAction {
        try EntitlementReconciler.action(for: decision, entitlementID: Given.entitlementID, fetched: fetched)
    }

    // MARK: Tests

    @Test("§3.2 approve and reject only in ACTIVATION_REQUESTED")
    func activation() throws {
        #expect(
            try action(.approveEntitlement, .found(Given.entitlement(.activationRequested)))
                == .approveEntitlement(Given.entitlementID)
        )
        #expect(throws: ManualDecisionError.wrongState(Given.entitlementID, .active, expected: .activationRequested)) {
            try action(.rejectEntitlement(reason: "no"), .found(Given.entitlement(.active)))
        }
        #expect(throws: ManualDecisionError.entitlementGone(Given.entitlementID)) {
            try action(.approveEntitlement, .notFound)
        }
    }

    @Test("§3.2 plan-change decisions use the re-read newPendingPlan, only in PENDING_PLAN_CHANGE_APPROVAL")
    func planChange() throws {
        #expect(
            try action(.approvePlanChange, .found(Given.entitlement(.pendingPlanChangeApproval, pendingPlan: "gold")))
                == .approvePlanChange(Given.entitlementID, pendingPlan: "gold")
        )
        #expect(throws: ManualDecisionError.missingPendingPlan(Given.entitlementID)) {
            try action(.rejectPlanChange(reason: "r"), .found(Given.entitlement(.pendingPlanChangeApproval)))
        }
        #expect(throws: ManualDecisionError.self) {
            try action(.approvePlanChange, .found(Given.entitlement(.pendingPlanChange, pendingPlan: "gold")))
        }
    }

    @Test("§3.1 reasons are cut to 256 bytes on a character boundary")
    func reasonLength() throws {
        let long = String(repeating: "é", count: 200)  // 400 bytes
        guard
            case .rejectEntitlement(_, let reason) = try action(
                .rejectEntitlement(reason: long),
                .found(Given.entitlement(.activationRequested))
            )
        else {
            Issue.record("not a rejection")
            return
        }
        #expect(reason.utf8.count == 256)
        #expect(reason == String(repeating: "é", count: 128))
    }
}
