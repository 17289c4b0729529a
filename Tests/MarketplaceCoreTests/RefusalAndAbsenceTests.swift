import MarketplaceCore
import Testing

/// What the reconciler believes after Google refuses a call, and after Google answers 404 for an
/// entitlement Entitle has in service. Pure values in, values out.
@Suite struct RefusalAndAbsenceTests {
    typealias Outcome = EntitlementReconciler.RefusalOutcome
    static let id = Given.entitlementID

    @Test(
        "a refused call counts as done only when the re-read shows its effect",
        arguments: [
            (
                ReconcilerAction.approveEntitlement(id), FetchResult.found(Given.entitlement(.active)),
                Outcome.tookEffect
            ),
            (.approveEntitlement(id), .found(Given.entitlement(.activationRequested)), .stillWaiting),
            (
                .approveEntitlement(id), .found(Given.entitlement(.activationRequested, startTime: Given.t3)),
                .tookEffect
            ),
            (.approveEntitlement(id), .found(Given.entitlement(.cancelled)), .movedOn),
            (.approveEntitlement(id), .notFound, .movedOn),
            (.rejectEntitlement(id, reason: "no"), .found(Given.entitlement(.cancelled)), .tookEffect),
            (.rejectEntitlement(id, reason: "no"), .found(Given.entitlement(.activationRequested)), .stillWaiting),
            (
                .approvePlanChange(id, pendingPlan: "gold"), .found(Given.entitlement(.active, plan: "gold")),
                .tookEffect
            ),
            (
                .approvePlanChange(id, pendingPlan: "gold"),
                .found(Given.entitlement(.pendingPlanChange, pendingPlan: "gold")), .tookEffect
            ),
            (
                .approvePlanChange(id, pendingPlan: "gold"),
                .found(Given.entitlement(.pendingPlanChangeApproval, pendingPlan: "gold")), .stillWaiting
            ),
            (
                .approvePlanChange(id, pendingPlan: "gold"),
                .found(Given.entitlement(.pendingPlanChangeApproval, pendingPlan: "silver")), .movedOn
            ),
            (.approvePlanChange(id, pendingPlan: "gold"), .found(Given.entitlement(.active)), .movedOn),
            (.rejectPlanChange(id, pendingPlan: "gold", reason: "no"), .found(Given.entitlement(.active)), .tookEffect),
        ]
    )
    func refusalOutcome(call: ReconcilerAction, reread: FetchResult<Entitlement>, expected: Outcome) {
        #expect(EntitlementReconciler.outcome(ofRefused: call, reread: reread) == expected)
    }

    @Test("still waiting after a refusal: the approval as asked is forgotten, the reason kept, the call becomes a wait")
    func refusedDecision() {
        var local = Given.local(Given.entitlement(.activationRequested))
        local.requestedApproval = RequestedApproval(kind: .activation, forUpdateTime: Given.t2)
        let call = ReconcilerAction.approveEntitlement(Self.id)
        let actions = EntitlementReconciler.refused(
            [call, .recordEntitlement(local)],
            call: call,
            reason: "sign-up PENDING"
        )
        var expected = local
        expected.requestedApproval = nil
        expected.waitingReason = "sign-up PENDING"
        let wanted: [ReconcilerAction] = [.await(.refusedByGoogle("sign-up PENDING")), .recordEntitlement(expected)]
        #expect(actions == wanted)
    }

    func decideGone(_ local: LocalEntitlement, now: Int64) -> [ReconcilerAction] {
        EntitlementReconciler.decide(
            EntitlementSituation(
                trigger: .resync,
                entitlementID: Self.id,
                fetched: .notFound,
                local: local,
                account: nil,
                policy: ApprovalPolicy(),
                now: Timestamp(seconds: now),
                absenceConfirmationSeconds: 300
            )
        )
    }

    @Test(
        "a 404 for an entitlement in service is believed only after the confirmation period; a cancelled one's purge at once, silently"
    )
    func absence() {
        let active = Given.local(Given.entitlement(.active))
        let first = decideGone(active, now: 1000)
        var marked = active
        marked.missingSince = Timestamp(seconds: 1000)
        #expect(first == [.recordEntitlement(marked), .await(.absenceConfirmation(since: Timestamp(seconds: 1000)))])
        #expect(
            decideGone(marked, now: 1299) == [.await(.absenceConfirmation(since: Timestamp(seconds: 1000)))],
            "not yet, nothing new"
        )
        var gone = marked
        gone.isDeleted = true
        let confirmed = decideGone(marked, now: 1300)
        #expect(confirmed.first == .recordEntitlement(gone) && confirmed.count == 2, "\(confirmed)")
        #expect(
            confirmed.contains {
                if case .enqueueCallback(let request) = $0 { request.kind == .cancelled } else { false }
            }
        )
        var purged = Given.local(Given.entitlement(.cancelled))
        let purge = decideGone(purged, now: 1000)
        purged.isDeleted = true
        #expect(purge == [.recordEntitlement(purged)], "the expected purge announces nothing")
    }

    @Test(
        "found again after a believed 404: restored and announced as new, with a callback id of its own; a purged cancelled one stays gone"
    )
    func restored() {
        var tombstone = Given.local(Given.entitlement(.active))
        tombstone.isDeleted = true
        tombstone.missingSince = Timestamp(seconds: 1000)
        let situation = EntitlementSituation(
            trigger: .resync,
            entitlementID: Self.id,
            fetched: .found(Given.entitlement(.active)),
            local: tombstone,
            account: nil,
            policy: ApprovalPolicy()
        )
        let actions = EntitlementReconciler.decide(situation)
        #expect(
            actions.contains { if case .recordEntitlement(let local) = $0 { !local.isDeleted } else { false } },
            "\(actions)"
        )
        let callbacks = actions.compactMap { action -> CallbackRequest? in
            if case .enqueueCallback(let request) = action { request } else { nil }
        }
        #expect(
            callbacks.map(\.kind) == [CallbackKind.activated] && callbacks[0].occasion?.contains("restored") == true,
            "\(callbacks)"
        )
        var purged = situation
        purged.local?.resource.state = EntitlementState.cancelled
        #expect(EntitlementReconciler.decide(purged) == [ReconcilerAction.nothing(.resourceGone)])
    }
}
