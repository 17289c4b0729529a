/// How Entitle answers Google's requests for a decision, per product.
/// Accounts are never in here: an account is approved only by the sign-up flow (contract §4.1).
public struct ApprovalPolicy: Hashable, Sendable, Codable {
    public var entitlement: EntitlementApprovalPolicy
    public var planChange: PlanChangePolicy

    public init(entitlement: EntitlementApprovalPolicy = .afterSignup, planChange: PlanChangePolicy = .automatic) {
        self.entitlement = entitlement
        self.planChange = planChange
    }
}

/// When a new order (ENTITLEMENT_ACTIVATION_REQUESTED) is approved.
public enum EntitlementApprovalPolicy: String, Hashable, Sendable, Codable, CaseIterable {
    /// As soon as Google asks, whether or not the buyer has signed up with the vendor. For products
    /// with no sign-up step; Google may refuse it while the account's `signup` approval is pending.
    case automatic
    /// An operator or the vendor's app decides through the admin API; Entitle sends an
    /// `entitlement.approval_requested` callback and waits.
    case manual
    /// Once the buyer has completed the vendor's sign-up page: at once if they already have,
    /// otherwise when the sign-up flow finishes. The default, and Google's recommended flow.
    case afterSignup = "after-signup"
}

/// When a requested plan change (ENTITLEMENT_PENDING_PLAN_CHANGE_APPROVAL) is approved.
public enum PlanChangePolicy: String, Hashable, Sendable, Codable, CaseIterable {
    /// Approve the plan Google reports as `newPendingPlan` at once.
    case automatic
    /// Send an `entitlement.plan_change_requested` callback and wait for the admin API.
    case manual
}
