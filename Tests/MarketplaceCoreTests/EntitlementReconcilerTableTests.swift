import MarketplaceCore
import Testing

/// One row per case of contract §1.3 (event catalogue) and §1.4 (handler algorithm).
struct ReconcilerRow: Sendable, CustomTestStringConvertible {
    var name: String
    var trigger: ReconcileTrigger
    var fetched: FetchResult<Entitlement>
    var local: LocalEntitlement?
    var account: LocalAccount? = Given.account(signedUp: true)
    var policy = ApprovalPolicy()
    var expected: Outcome

    var testDescription: String { name }
}

private let id = Given.entitlementID
private let premium = "premium"

let entitlementRows: [ReconcilerRow] = [
    ReconcilerRow(
        name: "§1.3 CREATION_REQUESTED + ACTIVATION_REQUESTED, buyer signed up → approve, do not provision",
        trigger: Given.event(.entitlementCreationRequested),
        fetched: .found(Given.entitlement(.activationRequested)),
        expected: Outcome(calls: [.approveEntitlement(id)], recorded: .some(.activationRequested))
    ),
    ReconcilerRow(
        name: "§1.3 CREATION_REQUESTED, buyer not signed up (after-signup policy) → record and wait for sign-up, ack",
        trigger: Given.event(.entitlementCreationRequested),
        fetched: .found(Given.entitlement(.activationRequested)),
        account: Given.account(signedUp: false),
        expected: Outcome(recorded: .some(.activationRequested), waits: [.signup(Given.accountID)])
    ),
    ReconcilerRow(
        name: "§1.3 CREATION_REQUESTED before any account message → wait for sign-up (codelab weakness §8.3 avoided)",
        trigger: Given.event(.entitlementCreationRequested),
        fetched: .found(Given.entitlement(.activationRequested)),
        account: nil,
        expected: Outcome(recorded: .some(.activationRequested), waits: [.signup(Given.accountID)])
    ),
    ReconcilerRow(
        name: "§1.3 CREATION_REQUESTED, automatic policy → approve without waiting for sign-up",
        trigger: Given.event(.entitlementCreationRequested),
        fetched: .found(Given.entitlement(.activationRequested)),
        account: Given.account(signedUp: false),
        policy: ApprovalPolicy(entitlement: .automatic),
        expected: Outcome(calls: [.approveEntitlement(id)], recorded: .some(.activationRequested))
    ),
    ReconcilerRow(
        name: "§1.3 CREATION_REQUESTED, manual policy → approval_requested callback, wait for the admin API",
        trigger: Given.event(.entitlementCreationRequested),
        fetched: .found(Given.entitlement(.activationRequested)),
        policy: ApprovalPolicy(entitlement: .manual),
        expected: Outcome(
            recorded: .some(.activationRequested),
            callbacks: [.approvalRequested],
            waits: [.manualApproval]
        )
    ),
    ReconcilerRow(
        name: "§1.4.5 CREATION_REQUESTED redelivered after Entitle approved this version → no second approve",
        trigger: Given.event(.entitlementCreationRequested),
        fetched: .found(Given.entitlement(.activationRequested)),
        local: Given.local(
            Given.entitlement(.activationRequested),
            requested: RequestedApproval(kind: .activation, forUpdateTime: Given.t2)
        ),
        expected: Outcome(nothing: [.approvalAlreadyRequested])
    ),
    ReconcilerRow(
        name: "§1.4.5 CREATION_REQUESTED read late, entitlement already ACTIVE → no approve; provision",
        trigger: Given.event(.entitlementCreationRequested),
        fetched: .found(Given.entitlement(.active)),
        expected: Outcome(recorded: .some(.active), callbacks: [.activated])
    ),
    ReconcilerRow(
        name: "§1.4.3 CREATION_REQUESTED, GET 404 and nothing stored → nothing, ack",
        trigger: Given.event(.entitlementCreationRequested),
        fetched: .notFound,
        expected: Outcome(nothing: [.resourceGone])
    ),
    ReconcilerRow(
        name: "§1.3 OFFER_ACCEPTED + ACTIVATION_REQUESTED with scheduled start → no approval call, wait for start",
        trigger: Given.event(.entitlementOfferAccepted),
        fetched: .found(Given.entitlement(.activationRequested, startTime: Given.t3)),
        expected: Outcome(
            recorded: .some(.activationRequested),
            callbacks: [.offerAccepted],
            waits: [.scheduledStart(Given.t3)]
        )
    ),
    ReconcilerRow(
        name: "§1.3 OFFER_ACCEPTED read after the scheduled start passed → ACTIVE, provision",
        trigger: Given.event(.entitlementOfferAccepted),
        fetched: .found(Given.entitlement(.active)),
        expected: Outcome(recorded: .some(.active), callbacks: [.activated])
    ),
    ReconcilerRow(
        name: "§2.2 approved order waiting for its start (newOfferStartTime) on any event → no second approve",
        trigger: Given.event(.entitlementCreationRequested),
        fetched: .found(Given.entitlement(.activationRequested, startTime: Given.t3)),
        local: Given.local(Given.entitlement(.activationRequested, startTime: Given.t3)),
        expected: Outcome(waits: [.scheduledStart(Given.t3)])
    ),
    ReconcilerRow(
        name: "§1.3 ACTIVE + ACTIVE after ACTIVATION_REQUESTED → record, entitlement.activated",
        trigger: Given.event(.entitlementActive),
        fetched: .found(Given.entitlement(.active)),
        local: Given.local(Given.entitlement(.activationRequested, at: Given.t1)),
        expected: Outcome(recorded: .some(.active), callbacks: [.activated])
    ),
    ReconcilerRow(
        name: "§1.4.2 ACTIVE delivered twice (same version stored) → nothing",
        trigger: Given.event(.entitlementActive),
        fetched: .found(Given.entitlement(.active)),
        local: Given.local(Given.entitlement(.active)),
        expected: Outcome(nothing: [.upToDate])
    ),
    ReconcilerRow(
        name: "§1.4.4 ACTIVE, re-read copy older than the stored one → stale, nothing",
        trigger: Given.event(.entitlementActive),
        fetched: .found(Given.entitlement(.active, at: Given.t1)),
        local: Given.local(Given.entitlement(.cancelled, at: Given.t2)),
        expected: Outcome(nothing: [.staleResource(fetched: Given.t1, stored: Given.t2)])
    ),
    ReconcilerRow(
        name:
            "§1.3 PLAN_CHANGE_REQUESTED + PENDING_PLAN_CHANGE_APPROVAL → approvePlanChange with the re-read newPendingPlan",
        trigger: Given.event(.entitlementPlanChangeRequested),
        fetched: .found(Given.entitlement(.pendingPlanChangeApproval, pendingPlan: premium)),
        local: Given.local(Given.entitlement(.active, at: Given.t1)),
        expected: Outcome(
            calls: [.approvePlanChange(id, pendingPlan: premium)],
            recorded: .some(.pendingPlanChangeApproval)
        )
    ),
    ReconcilerRow(
        name: "§1.3 PLAN_CHANGE_REQUESTED, manual plan policy → plan_change_requested callback, wait",
        trigger: Given.event(.entitlementPlanChangeRequested),
        fetched: .found(Given.entitlement(.pendingPlanChangeApproval, pendingPlan: premium)),
        local: Given.local(Given.entitlement(.active, at: Given.t1)),
        policy: ApprovalPolicy(planChange: .manual),
        expected: Outcome(
            recorded: .some(.pendingPlanChangeApproval),
            callbacks: [.planChangeRequested],
            waits: [.manualPlanChange(pendingPlan: premium)]
        )
    ),
    ReconcilerRow(
        name: "§1.3 PLAN_CHANGE_REQUESTED without newPendingPlan in the re-read copy → nothing to approve",
        trigger: Given.event(.entitlementPlanChangeRequested),
        fetched: .found(Given.entitlement(.pendingPlanChangeApproval)),
        local: Given.local(Given.entitlement(.active, at: Given.t1)),
        expected: Outcome(recorded: .some(.pendingPlanChangeApproval), nothing: [.missingPendingPlan])
    ),
    ReconcilerRow(
        name: "§1.4.5 PLAN_CHANGE_REQUESTED read after it was decided (ACTIVE) → no call",
        trigger: Given.event(.entitlementPlanChangeRequested),
        fetched: .found(Given.entitlement(.active, plan: premium)),
        local: Given.local(Given.entitlement(.active, at: Given.t1)),
        expected: Outcome(recorded: .some(.active), callbacks: [.planChanged])
    ),
    ReconcilerRow(
        name: "§2.2 approved change waiting for cycle end (PENDING_PLAN_CHANGE) → record, service level unchanged",
        trigger: Given.event(.entitlementPlanChangeRequested),
        fetched: .found(Given.entitlement(.pendingPlanChange, pendingPlan: premium)),
        local: Given.local(Given.entitlement(.pendingPlanChangeApproval, at: Given.t1, pendingPlan: premium)),
        expected: Outcome(recorded: .some(.pendingPlanChange))
    ),
    ReconcilerRow(
        name: "§1.3 PLAN_CHANGED + ACTIVE with the new plan → entitlement.plan_changed",
        trigger: Given.event(.entitlementPlanChanged),
        fetched: .found(Given.entitlement(.active, plan: premium)),
        local: Given.local(Given.entitlement(.pendingPlanChange, at: Given.t1, pendingPlan: premium)),
        expected: Outcome(recorded: .some(.active), callbacks: [.planChanged])
    ),
    ReconcilerRow(
        name: "§1.3 PLAN_CHANGED by a replacement private offer (same plan, new offer) → plan_changed",
        trigger: Given.event(.entitlementPlanChanged),
        fetched: .found(Given.entitlement(.active, offer: "offers/2")),
        local: Given.local(Given.entitlement(.active, at: Given.t1, offer: "offers/1")),
        expected: Outcome(recorded: .some(.active), callbacks: [.planChanged])
    ),
    ReconcilerRow(
        name: "§1.3 PLAN_CHANGE_CANCELLED + ACTIVE with the old plan → record only",
        trigger: Given.event(.entitlementPlanChangeCancelled),
        fetched: .found(Given.entitlement(.active)),
        local: Given.local(Given.entitlement(.pendingPlanChangeApproval, at: Given.t1, pendingPlan: premium)),
        expected: Outcome(recorded: .some(.active))
    ),
    ReconcilerRow(
        name: "§1.3 PENDING_CANCELLATION → keep service on, entitlement.pending_cancellation",
        trigger: Given.event(.entitlementPendingCancellation),
        fetched: .found(Given.entitlement(.pendingCancellation)),
        local: Given.local(Given.entitlement(.active, at: Given.t1)),
        expected: Outcome(recorded: .some(.pendingCancellation), callbacks: [.pendingCancellation])
    ),
    ReconcilerRow(
        name: "§1.3 CANCELLATION_REVERTED + ACTIVE → entitlement.cancellation_reverted",
        trigger: Given.event(.entitlementCancellationReverted),
        fetched: .found(Given.entitlement(.active)),
        local: Given.local(Given.entitlement(.pendingCancellation, at: Given.t1)),
        expected: Outcome(recorded: .some(.active), callbacks: [.cancellationReverted])
    ),
    ReconcilerRow(
        name: "§1.3 CANCELLING, state unchanged → nothing, wait for CANCELLED",
        trigger: Given.event(.entitlementCancelling),
        fetched: .found(Given.entitlement(.pendingCancellation)),
        local: Given.local(Given.entitlement(.pendingCancellation)),
        expected: Outcome(nothing: [.upToDate])
    ),
    ReconcilerRow(
        name: "§1.3 CANCELLED + CANCELLED → turn service off: entitlement.cancelled",
        trigger: Given.event(.entitlementCancelled),
        fetched: .found(Given.entitlement(.cancelled)),
        local: Given.local(Given.entitlement(.pendingCancellation, at: Given.t1)),
        expected: Outcome(recorded: .some(.cancelled), callbacks: [.cancelled])
    ),
    ReconcilerRow(
        name: "§1.3 CANCELLED as migrated → the order moved billing accounts: entitlement.migrated, not cancelled",
        trigger: Given.event(.entitlementCancelled),
        fetched: .found(
            {
                var moved = Given.entitlement(.cancelled)
                moved.cancellationReason = "migrated"
                return moved
            }()
        ),
        local: Given.local(Given.entitlement(.active, at: Given.t1)),
        expected: Outcome(recorded: .some(.cancelled), callbacks: [.migrated])
    ),
    ReconcilerRow(
        name: "§1.4.3 CANCELLED, GET 404 with service still on locally → deleted, and cancelled announced",
        trigger: Given.event(.entitlementCancelled),
        fetched: .notFound,
        local: Given.local(Given.entitlement(.active)),
        expected: Outcome(recorded: .some(.active), recordedDeleted: true, callbacks: [.cancelled])
    ),
    ReconcilerRow(
        name: "§1.3 DELETED, GET 404 after CANCELLED → mark deleted, nothing to announce",
        trigger: Given.event(.entitlementDeleted),
        fetched: .notFound,
        local: Given.local(Given.entitlement(.cancelled)),
        expected: Outcome(recorded: .some(.cancelled), recordedDeleted: true)
    ),
    ReconcilerRow(
        name: "§1.3 DELETED delivered again → nothing",
        trigger: Given.event(.entitlementDeleted),
        fetched: .notFound,
        local: Given.local(Given.entitlement(.cancelled), deleted: true),
        expected: Outcome(nothing: [.resourceGone])
    ),
    ReconcilerRow(
        name: "§1.4.4 any event after deletion whose re-read is a lagging copy → nothing",
        trigger: Given.event(.entitlementActive),
        fetched: .found(Given.entitlement(.active)),
        local: Given.local(Given.entitlement(.cancelled), deleted: true),
        expected: Outcome(nothing: [.resourceGone])
    ),
    ReconcilerRow(
        name: "§1.3 RENEWED + ACTIVE, term end moved → record, entitlement.renewed",
        trigger: Given.event(.entitlementRenewed),
        fetched: .found(Given.entitlement(.active, offerEnd: Given.t3)),
        local: Given.local(Given.entitlement(.active, at: Given.t1, offerEnd: Given.t2)),
        expected: Outcome(recorded: .some(.active), callbacks: [.renewed])
    ),
    ReconcilerRow(
        name: "§1.3 RENEWED whose re-read copy is stale → the renewal is still announced, nothing recorded",
        trigger: Given.event(.entitlementRenewed),
        fetched: .found(Given.entitlement(.active, at: Given.t1)),
        local: Given.local(Given.entitlement(.active, at: Given.t2)),
        expected: Outcome(callbacks: [.renewed], nothing: [.staleResource(fetched: Given.t1, stored: Given.t2)])
    ),
    ReconcilerRow(
        name: "§1.3 OFFER_ENDED + ACTIVE (continues at list price) → entitlement.offer_ended",
        trigger: Given.event(.entitlementOfferEnded),
        fetched: .found(Given.entitlement(.active)),
        local: Given.local(Given.entitlement(.active, at: Given.t1, offer: "offers/1")),
        expected: Outcome(recorded: .some(.active), callbacks: [.planChanged, .offerEnded])
    ),
    ReconcilerRow(
        name: "§1.3 OFFER_ENDED + CANCELLED → offer_ended and cancelled",
        trigger: Given.event(.entitlementOfferEnded),
        fetched: .found(Given.entitlement(.cancelled)),
        local: Given.local(Given.entitlement(.active, at: Given.t1)),
        expected: Outcome(recorded: .some(.cancelled), callbacks: [.cancelled, .offerEnded])
    ),
    ReconcilerRow(
        name: "§1.2 unknown eventType → logged, and handled by the re-read state like any event",
        trigger: Given.event(.unknown("ENTITLEMENT_SOMETHING_NEW")),
        fetched: .found(Given.entitlement(.activationRequested)),
        expected: Outcome(calls: [.approveEntitlement(id)], recorded: .some(.activationRequested), unknownLogged: true)
    ),
    ReconcilerRow(
        name: "§2.2 SUSPENDED (not yet supported by Google) → record; service off is not announced as cancelled",
        trigger: Given.event(.unknown("ENTITLEMENT_SUSPENDED")),
        fetched: .found(Given.entitlement(.suspended)),
        local: Given.local(Given.entitlement(.active, at: Given.t1)),
        expected: Outcome(recorded: .some(.suspended), unknownLogged: true)
    ),
    ReconcilerRow(
        name: "sign-up completed for a waiting order → approve",
        trigger: .signupCompleted,
        fetched: .found(Given.entitlement(.activationRequested)),
        local: Given.local(Given.entitlement(.activationRequested)),
        expected: Outcome(calls: [.approveEntitlement(id)], recorded: .some(.activationRequested))
    ),
    ReconcilerRow(
        name: "resync finds an ACTIVE entitlement whose events were lost → record, activated",
        trigger: .resync,
        fetched: .found(Given.entitlement(.active)),
        expected: Outcome(recorded: .some(.active), callbacks: [.activated])
    ),
]

@Suite struct EntitlementReconcilerTableTests {
    @Test("contract rows", arguments: entitlementRows)
    func row(_ row: ReconcilerRow) {
        let actions = EntitlementReconciler.decide(
            EntitlementSituation(
                trigger: row.trigger,
                entitlementID: Given.entitlementID,
                fetched: row.fetched,
                local: row.local,
                account: row.account,
                policy: row.policy
            )
        )
        #expect(Outcome(actions) == row.expected, "\(row.name)")
    }

    @Test("an approval is recorded with the version it was made for, so a crash before commit re-approves at most once")
    func approvalBookkeeping() {
        let actions = EntitlementReconciler.decide(
            EntitlementSituation(
                trigger: Given.event(.entitlementCreationRequested),
                entitlementID: Given.entitlementID,
                fetched: .found(Given.entitlement(.activationRequested)),
                local: nil,
                account: Given.account(signedUp: true),
                policy: ApprovalPolicy()
            )
        )
        let recorded = actions.compactMap { if case .recordEntitlement(let local) = $0 { local } else { nil } }
        #expect(recorded.first?.requestedApproval == RequestedApproval(kind: .activation, forUpdateTime: Given.t2))
        #expect(actions.first == .approveEntitlement(Given.entitlementID), "API calls come first")
    }
}
