/// An operator's (or the vendor app's) answer to a decision Google waits on, given through the
/// admin API under the `manual` policies.
public enum ManualDecision: Hashable, Sendable {
    case approveEntitlement
    case rejectEntitlement(reason: String)
    case approvePlanChange
    case rejectPlanChange(reason: String)
}

/// Why a manual decision cannot be carried out against the entitlement as re-read.
public enum ManualDecisionError: Error, Hashable, CustomStringConvertible {
    case entitlementGone(EntitlementID)
    /// Google does not wait on this decision in the entitlement's current state (contract §3.2).
    case wrongState(EntitlementID, EntitlementState?, expected: EntitlementState)
    case missingPendingPlan(EntitlementID)

    public var description: String {
        switch self {
        case .entitlementGone(let id):
            "entitlement \(id) no longer exists at Google"
        case .wrongState(let id, let state, let expected):
            "entitlement \(id) is \(state?.rawValue ?? "in no state"); this decision needs \(expected.rawValue)"
        case .missingPendingPlan(let id):
            "entitlement \(id) has no pending plan to decide on"
        }
    }
}

extension EntitlementReconciler {
    /// The API call that carries out `decision`, checked against the re-read entitlement so that a
    /// stale admin page cannot approve an order that moved on. Reasons are cut to Google's 256 bytes.
    public static func action(
        for decision: ManualDecision,
        entitlementID id: EntitlementID,
        fetched: FetchResult<Entitlement>
    ) throws(ManualDecisionError) -> ReconcilerAction {
        guard case .found(let entitlement) = fetched else { throw .entitlementGone(id) }
        switch decision {
        case .approveEntitlement, .rejectEntitlement:
            guard entitlement.state == .activationRequested else {
                throw .wrongState(id, entitlement.state, expected: .activationRequested)
            }
        case .approvePlanChange, .rejectPlanChange:
            guard entitlement.state == .pendingPlanChangeApproval else {
                throw .wrongState(id, entitlement.state, expected: .pendingPlanChangeApproval)
            }
        }
        let pendingPlan = entitlement.newPendingPlan ?? ""
        switch decision {
        case .approveEntitlement:
            return .approveEntitlement(id)
        case .rejectEntitlement(let reason):
            return .rejectEntitlement(id, reason: reason.truncated(toUTF8Bytes: 256))
        case .approvePlanChange:
            guard !pendingPlan.isEmpty else { throw .missingPendingPlan(id) }
            return .approvePlanChange(id, pendingPlan: pendingPlan)
        case .rejectPlanChange(let reason):
            guard !pendingPlan.isEmpty else { throw .missingPendingPlan(id) }
            return .rejectPlanChange(id, pendingPlan: pendingPlan, reason: reason.truncated(toUTF8Bytes: 256))
        }
    }
}
