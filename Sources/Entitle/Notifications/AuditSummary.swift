import MarketplaceCore

/// One line per reconciler action for the audit log, readable by a person on the admin timeline.
enum AuditSummary {
    static func describe(_ action: ReconcilerAction) -> String {
        switch action {
        case .approveEntitlement(let id): "approved entitlement \(id)"
        case .rejectEntitlement(let id, let reason): "rejected entitlement \(id): \(reason)"
        case .approvePlanChange(let id, let plan): "approved the change of \(id) to plan \(plan)"
        case .rejectPlanChange(let id, let plan, let reason): "rejected the change of \(id) to plan \(plan): \(reason)"
        case .recordEntitlement(let local):
            "recorded \(local.id): \(local.state?.rawValue ?? "no state"), plan \(local.plan ?? "none")\(local.isDeleted ? ", deleted" : "")"
        case .recordAccount(let local):
            "recorded account \(local.id): signup \(local.signupApproval?.rawValue ?? "unknown")\(local.isSignedUp ? ", signed up" : "")"
        case .enqueueCallback(let request): "queued callback \(request.kind.rawValue)"
        case .eraseAccountData(let id): "erased the personal data of account \(id)"
        case .await(let reason): "waiting: \(reason)"
        case .nothing(let reason): "nothing to do: \(reason)"
        case .logUnknownEventType(let type): "unknown event type \(type), handled by state"
        }
    }
}
