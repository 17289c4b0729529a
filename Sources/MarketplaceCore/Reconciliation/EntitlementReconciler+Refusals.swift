/// What to believe when Google refuses an approval call with FAILED_PRECONDITION. Such a refusal
/// often means another delivery or a person got there first, but not always: after an account
/// `reset`, Google refuses to approve an order while the account's sign-up approval is pending
/// again. So the entitlement is re-read, and the refusal counts as done only if the re-read shows
/// the call's effect (contract §3.4, §11).
extension EntitlementReconciler {
    public enum RefusalOutcome: Hashable, Sendable {
        /// The re-read shows what the call asked for: someone else made it.
        case tookEffect
        /// The entitlement no longer waits for this call (the buyer cancelled, another plan was
        /// asked for): nothing to do; the next notification is about what happened instead.
        case movedOn
        /// It still waits for exactly this call: Google refused it for another reason.
        case stillWaiting
    }

    /// Judges a refused call by the entitlement as re-read just after the refusal.
    public static func outcome(ofRefused call: ReconcilerAction, reread: FetchResult<Entitlement>) -> RefusalOutcome {
        guard case .found(let entitlement) = reread else { return .movedOn }
        let state = entitlement.state
        switch call {
        case .approveEntitlement:
            // Approved: active (or later), or waiting for the offer's scheduled start.
            if state == .activationRequested {
                return entitlement.newOfferStartTime != nil ? .tookEffect : .stillWaiting
            }
            return state == .cancelled ? .movedOn : .tookEffect
        case .rejectEntitlement:
            if state == .activationRequested { return .stillWaiting }
            return state == .cancelled ? .tookEffect : .movedOn
        case .approvePlanChange(_, let plan):
            if state == .pendingPlanChangeApproval {
                return entitlement.newPendingPlan == plan ? .stillWaiting : .movedOn
            }
            if state == .pendingPlanChange, entitlement.newPendingPlan == plan { return .tookEffect }
            return entitlement.plan == plan ? .tookEffect : .movedOn
        case .rejectPlanChange(_, let plan, _):
            if state == .pendingPlanChangeApproval, entitlement.newPendingPlan == plan { return .stillWaiting }
            return entitlement.plan == plan ? .movedOn : .tookEffect
        default:
            return .tookEffect
        }
    }

    /// A decision's actions once Google refused `call` and the entitlement still waits for it: the
    /// entitlement is recorded without the approval as asked (so the next decision asks again, when
    /// the cause has cleared) and with the reason it waits; the call becomes that wait.
    public static func refused(
        _ actions: [ReconcilerAction],
        call: ReconcilerAction,
        reason: String
    ) -> [ReconcilerAction] {
        guard let id = call.entitlementID else { return actions }
        return actions.map { action in
            switch action {
            case .recordEntitlement(var local) where local.id == id:
                local.requestedApproval = nil
                local.waitingReason = reason
                return .recordEntitlement(local)
            case call:
                return .await(.refusedByGoogle(reason))
            default:
                return action
            }
        }
    }
}

extension ReconcilerAction {
    /// The entitlement a Procurement call is about.
    public var entitlementID: EntitlementID? {
        switch self {
        case .approveEntitlement(let id), .rejectEntitlement(let id, _), .approvePlanChange(let id, _),
            .rejectPlanChange(let id, _, _):
            id
        default: nil
        }
    }
}
