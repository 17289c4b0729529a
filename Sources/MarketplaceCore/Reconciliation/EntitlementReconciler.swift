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

    // contract §1.4 step 3: 404 on an entitlement means deleted. A cancelled one's purge (§2.2) is
    // expected and announces nothing. For one still in service, one 404 is not believed (a glitch
    // would deprovision a paying customer for good): only once Google has kept answering 404 for
    // the confirmation period is the CANCELLED notice taken as lost and the end announced.
    private static func decideGone(_ situation: EntitlementSituation) -> [ReconcilerAction] {
        guard var local = situation.local, !local.isDeleted else { return [.nothing(.resourceGone)] }
        var actions: [ReconcilerAction] = []
        if local.state != .cancelled {
            let since = local.missingSince ?? situation.now
            guard situation.now.seconds - since.seconds >= situation.absenceConfirmationSeconds else {
                let waiting = ReconcilerAction.await(.absenceConfirmation(since: since))
                guard local.missingSince == nil else { return [waiting] }
                local.missingSince = since
                return [.recordEntitlement(local), waiting]
            }
            actions.append(.enqueueCallback(callback(.cancelled, local.accountID, local.id)))
        }
        local.isDeleted = true
        return [.recordEntitlement(local)] + actions
    }

    private static func decideFound(_ fetched: Entitlement, _ situation: EntitlementSituation) -> [ReconcilerAction] {
        let local = situation.local
        let accountID = fetched.accountID ?? local?.accountID ?? situation.account?.id
        if let local, local.isDeleted {
            // Found after a 404 was believed for an entitlement in service: restored, and announced as
            // a new entitlement would be. A cancelled one's purge is Google's lifecycle (§2.2) and
            // final: a copy read late changes nothing, nor does an older one.
            let stale = (fetched.updateTime ?? .earliest) < (local.updateTime ?? .earliest)
            guard !stale, local.state != .cancelled else { return [.nothing(.resourceGone)] }
            var fresh = situation
            fresh.local = nil
            let occasion = "restored after 404s since \((local.missingSince ?? situation.now).rfc3339)"
            return decideFound(fetched, fresh).map { action in
                guard case .enqueueCallback(var request) = action else { return action }
                request.occasion = occasion
                return .enqueueCallback(request)
            }
        }
        let eventCallbacks = eventOnlyCallbacks(
            situation.trigger.eventType,
            fetched,
            accountID,
            situation.entitlementID
        )
        // contract §1.4 step 4: an older copy than the stored one changes nothing.
        if let stored = local?.updateTime, let fetchedTime = fetched.updateTime, fetchedTime < stored {
            return eventCallbacks.map(ReconcilerAction.enqueueCallback)
                + [.nothing(.staleResource(fetched: fetchedTime, stored: stored))]
        }
        var draft = DecisionDraft(
            next: LocalEntitlement(
                id: situation.entitlementID,
                accountID: accountID,
                resource: fetched,
                requestedApproval: local?.requestedApproval
            ),
            callbacks: transitionCallbacks(from: local?.resource, to: fetched, accountID, situation.entitlementID)
        )
        switch fetched.state {
        case .activationRequested?:
            decideActivation(fetched, situation, &draft)
        case .pendingPlanChangeApproval?:
            decidePlanChange(fetched, situation, &draft)
        default:
            break
        }
        draft.callbacks += eventCallbacks
        let actions = draft.actions(storedCopy: local)
        return actions.isEmpty ? [.nothing(.upToDate)] : actions
    }

    /// ENTITLEMENT_ACTIVATION_REQUESTED: approve per policy, or wait for sign-up, an operator, or
    /// the offer's scheduled start.
    private static func decideActivation(
        _ fetched: Entitlement,
        _ situation: EntitlementSituation,
        _ draft: inout DecisionDraft
    ) {
        let id = situation.entitlementID
        let isNew = situation.local?.state != .activationRequested
        // contract §1.3/§2.2: newOfferStartTime is set once the order is approved (or auto-approved
        // with ENTITLEMENT_OFFER_ACCEPTED); ENTITLEMENT_ACTIVE follows at that time, with no call.
        if fetched.newOfferStartTime != nil || situation.trigger.eventType == .entitlementOfferAccepted {
            if isNew { draft.callbacks.append(callback(.offerAccepted, draft.next.accountID, id)) }
            draft.waits.append(.await(.scheduledStart(fetched.newOfferStartTime)))
            return
        }
        let request = RequestedApproval(kind: .activation, forUpdateTime: fetched.updateTime)
        if draft.next.requestedApproval == request {
            draft.waits.append(.nothing(.approvalAlreadyRequested))
            return
        }
        switch situation.policy.entitlement {
        case .automatic:
            break
        case .afterSignup where situation.account?.isSignedUp != true:
            draft.waits.append(.await(.signup(draft.next.accountID)))
            return
        case .afterSignup:
            break
        case .manual:
            if isNew { draft.callbacks.append(callback(.approvalRequested, draft.next.accountID, id)) }
            draft.waits.append(.await(.manualApproval))
            return
        }
        draft.calls.append(.approveEntitlement(id))
        draft.next.requestedApproval = request
    }

    /// ENTITLEMENT_PENDING_PLAN_CHANGE_APPROVAL: approve the re-read `newPendingPlan`, or wait.
    private static func decidePlanChange(
        _ fetched: Entitlement,
        _ situation: EntitlementSituation,
        _ draft: inout DecisionDraft
    ) {
        guard let pendingPlan = fetched.newPendingPlan, !pendingPlan.isEmpty else {
            draft.waits.append(.nothing(.missingPendingPlan))
            return
        }
        let request = RequestedApproval(kind: .planChange(pendingPlan: pendingPlan), forUpdateTime: fetched.updateTime)
        if draft.next.requestedApproval == request {
            draft.waits.append(.nothing(.approvalAlreadyRequested))
            return
        }
        switch situation.policy.planChange {
        case .automatic:
            draft.calls.append(.approvePlanChange(situation.entitlementID, pendingPlan: pendingPlan))
            draft.next.requestedApproval = request
        case .manual:
            let local = situation.local?.resource
            if local?.state != .pendingPlanChangeApproval || local?.newPendingPlan != pendingPlan {
                draft.callbacks.append(callback(.planChangeRequested, draft.next.accountID, situation.entitlementID))
            }
            draft.waits.append(.await(.manualPlanChange(pendingPlan: pendingPlan)))
        }
    }
}

/// The decision for one entitlement while it is being made.
struct DecisionDraft {
    /// The local record as it will be stored.
    var next: LocalEntitlement
    var calls: [ReconcilerAction] = []
    var callbacks: [CallbackRequest]
    var waits: [ReconcilerAction] = []

    /// API calls first, then the record (when it changed), callbacks and waits.
    func actions(storedCopy: LocalEntitlement?) -> [ReconcilerAction] {
        let record: [ReconcilerAction] = next == storedCopy ? [] : [.recordEntitlement(next)]
        return calls + record + callbacks.map(ReconcilerAction.enqueueCallback) + waits
    }
}
