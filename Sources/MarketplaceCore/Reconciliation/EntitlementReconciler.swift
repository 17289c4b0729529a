/// Decides what to do about a notification (contract §1.3–§1.4) from the resource as re-read, the
/// local record and the policy. Pure: no I/O, no clock; `NotificationProcessor` performs the actions.
///
/// Decisions rest on the re-read *state*, not on the event type, so that duplicated and reordered
/// deliveries converge: any event about an entitlement leads to the same actions for the same
/// fetched state. Callbacks follow the change from the stored copy to the fetched one, so each
/// transition is announced once however many events report it.
public enum EntitlementReconciler {
    /// The actions for one entitlement, API calls first.
    public static func decide(_ situation: EntitlementSituation) -> [ReconcilerAction] {
        var actions: [ReconcilerAction]
        switch situation.fetched {
        case .notFound: actions = decideGone(situation)
        case .found(let fetched): actions = decideFound(fetched, situation)
        }
        if case .unknown(let raw)? = situation.trigger.eventType {
            actions.append(.logUnknownEventType(raw))
        }
        return actions
    }

    // contract §1.4 step 3: 404 on an entitlement means deleted. If the stored copy still had
    // service on, the CANCELLED notice was lost: announce it so the vendor turns the service off.
    private static func decideGone(_ situation: EntitlementSituation) -> [ReconcilerAction] {
        guard var local = situation.local, !local.isDeleted else { return [.nothing(.resourceGone)] }
        var actions: [ReconcilerAction] = []
        if local.state != .cancelled {
            actions.append(.enqueueCallback(callback(.cancelled, local.accountID, local.id)))
        }
        local.isDeleted = true
        return [.recordEntitlement(local)] + actions
    }

    private static func decideFound(_ fetched: Entitlement, _ situation: EntitlementSituation) -> [ReconcilerAction] {
        let local = situation.local
        let accountID = fetched.accountID ?? local?.accountID ?? situation.account?.id
        if let local, local.isDeleted {
            return [.nothing(.resourceGone)]
        }
        let eventCallbacks = eventOnlyCallbacks(situation.trigger.eventType, fetched, accountID, situation.entitlementID)
        // contract §1.4 step 4: an older copy than the stored one changes nothing.
        if let stored = local?.updateTime, let fetchedTime = fetched.updateTime, fetchedTime < stored {
            return eventCallbacks.map(ReconcilerAction.enqueueCallback)
                + [.nothing(.staleResource(fetched: fetchedTime, stored: stored))]
        }
        var next = LocalEntitlement(
            id: situation.entitlementID,
            accountID: accountID,
            resource: fetched,
            requestedApproval: local?.requestedApproval
        )
        var calls: [ReconcilerAction] = []
        var waits: [ReconcilerAction] = []
        var callbacks = transitionCallbacks(from: local?.resource, to: fetched, accountID, situation.entitlementID)
        switch fetched.state {
        case .activationRequested?:
            decideActivation(fetched, situation, &next, &calls, &waits, &callbacks)
        case .pendingPlanChangeApproval?:
            decidePlanChange(fetched, situation, &next, &calls, &waits, &callbacks)
        default:
            break
        }
        let record: [ReconcilerAction] = next == local ? [] : [.recordEntitlement(next)]
        let actions = calls + record + (callbacks + eventCallbacks).map(ReconcilerAction.enqueueCallback) + waits
        return actions.isEmpty ? [.nothing(.upToDate)] : actions
    }

    /// ENTITLEMENT_ACTIVATION_REQUESTED: approve per policy, or wait for sign-up, an operator, or
    /// the offer's scheduled start.
    private static func decideActivation(
        _ fetched: Entitlement,
        _ situation: EntitlementSituation,
        _ next: inout LocalEntitlement,
        _ calls: inout [ReconcilerAction],
        _ waits: inout [ReconcilerAction],
        _ callbacks: inout [CallbackRequest]
    ) {
        let id = situation.entitlementID
        let isNew = situation.local?.state != .activationRequested
        // contract §1.3/§2.2: newOfferStartTime is set once the order is approved (or auto-approved
        // with ENTITLEMENT_OFFER_ACCEPTED); ENTITLEMENT_ACTIVE follows at that time, with no call.
        if fetched.newOfferStartTime != nil || situation.trigger.eventType == .entitlementOfferAccepted {
            if isNew { callbacks.append(callback(.offerAccepted, next.accountID, id)) }
            waits.append(.await(.scheduledStart(fetched.newOfferStartTime)))
            return
        }
        let request = RequestedApproval(kind: .activation, forUpdateTime: fetched.updateTime)
        if next.requestedApproval == request {
            waits.append(.nothing(.approvalAlreadyRequested))
            return
        }
        switch situation.policy.entitlement {
        case .automatic:
            break
        case .afterSignup where situation.account?.isSignedUp != true:
            waits.append(.await(.signup(next.accountID)))
            return
        case .afterSignup:
            break
        case .manual:
            if isNew { callbacks.append(callback(.approvalRequested, next.accountID, id)) }
            waits.append(.await(.manualApproval))
            return
        }
        calls.append(.approveEntitlement(id))
        next.requestedApproval = request
    }

    /// ENTITLEMENT_PENDING_PLAN_CHANGE_APPROVAL: approve the re-read `newPendingPlan`, or wait.
    private static func decidePlanChange(
        _ fetched: Entitlement,
        _ situation: EntitlementSituation,
        _ next: inout LocalEntitlement,
        _ calls: inout [ReconcilerAction],
        _ waits: inout [ReconcilerAction],
        _ callbacks: inout [CallbackRequest]
    ) {
        guard let pendingPlan = fetched.newPendingPlan, !pendingPlan.isEmpty else {
            waits.append(.nothing(.missingPendingPlan))
            return
        }
        let request = RequestedApproval(kind: .planChange(pendingPlan: pendingPlan), forUpdateTime: fetched.updateTime)
        if next.requestedApproval == request {
            waits.append(.nothing(.approvalAlreadyRequested))
            return
        }
        switch situation.policy.planChange {
        case .automatic:
            calls.append(.approvePlanChange(situation.entitlementID, pendingPlan: pendingPlan))
            next.requestedApproval = request
        case .manual:
            let local = situation.local?.resource
            if local?.state != .pendingPlanChangeApproval || local?.newPendingPlan != pendingPlan {
                callbacks.append(callback(.planChangeRequested, next.accountID, situation.entitlementID))
            }
            waits.append(.await(.manualPlanChange(pendingPlan: pendingPlan)))
        }
    }
}
