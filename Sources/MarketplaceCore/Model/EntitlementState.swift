/// `Entitlement.state` (contract §2.2). Unknown values are kept, never a decode failure.
public enum EntitlementState: OpenEnum {
    case unspecified
    /// Created; waits for provider approval, or for the offer's scheduled start.
    case activationRequested
    case active
    /// Ends at term end; service stays on until then.
    case pendingCancellation
    case cancelled
    /// An approved plan change waits for the end of the billing cycle.
    case pendingPlanChange
    /// A plan change waits for the provider's approval.
    case pendingPlanChangeApproval
    /// Listed by Google as "not yet supported".
    case suspended
    case unknown(String)

    public static let knownCases: [EntitlementState] = [
        .unspecified, .activationRequested, .active, .pendingCancellation, .cancelled, .pendingPlanChange,
        .pendingPlanChangeApproval, .suspended,
    ]

    public var rawValue: String {
        switch self {
        case .unspecified: "ENTITLEMENT_STATE_UNSPECIFIED"
        case .activationRequested: "ENTITLEMENT_ACTIVATION_REQUESTED"
        case .active: "ENTITLEMENT_ACTIVE"
        case .pendingCancellation: "ENTITLEMENT_PENDING_CANCELLATION"
        case .cancelled: "ENTITLEMENT_CANCELLED"
        case .pendingPlanChange: "ENTITLEMENT_PENDING_PLAN_CHANGE"
        case .pendingPlanChangeApproval: "ENTITLEMENT_PENDING_PLAN_CHANGE_APPROVAL"
        case .suspended: "ENTITLEMENT_SUSPENDED"
        case .unknown(let value): value
        }
    }

    /// Whether the customer has a running service in this state (billing runs, service stays on).
    public var isInService: Bool {
        switch self {
        case .active, .pendingCancellation, .pendingPlanChange, .pendingPlanChangeApproval: true
        default: false
        }
    }
}
