/// `eventType` of a Marketplace notification (contract §1.3). Open: a type this version does not
/// know is kept as `.unknown` so the message is still handled and acked, never redelivered forever.
public enum EventType: OpenEnum {
    /// Deprecated legacy account event: ignore and ack.
    case accountCreationRequested
    case accountActive
    case accountDeleted
    case entitlementCreationRequested
    case entitlementOfferAccepted
    case entitlementActive
    case entitlementPlanChangeRequested
    case entitlementPlanChanged
    case entitlementPlanChangeCancelled
    case entitlementPendingCancellation
    case entitlementCancellationReverted
    case entitlementCancelling
    case entitlementCancelled
    case entitlementDeleted
    case entitlementRenewed
    case entitlementOfferEnded
    case unknown(String)

    public static let knownCases: [EventType] = [
        .accountCreationRequested, .accountActive, .accountDeleted, .entitlementCreationRequested,
        .entitlementOfferAccepted, .entitlementActive, .entitlementPlanChangeRequested, .entitlementPlanChanged,
        .entitlementPlanChangeCancelled, .entitlementPendingCancellation, .entitlementCancellationReverted,
        .entitlementCancelling, .entitlementCancelled, .entitlementDeleted, .entitlementRenewed,
        .entitlementOfferEnded,
    ]

    public var rawValue: String {
        switch self {
        case .accountCreationRequested: "ACCOUNT_CREATION_REQUESTED"
        case .accountActive: "ACCOUNT_ACTIVE"
        case .accountDeleted: "ACCOUNT_DELETED"
        case .entitlementCreationRequested: "ENTITLEMENT_CREATION_REQUESTED"
        case .entitlementOfferAccepted: "ENTITLEMENT_OFFER_ACCEPTED"
        case .entitlementActive: "ENTITLEMENT_ACTIVE"
        case .entitlementPlanChangeRequested: "ENTITLEMENT_PLAN_CHANGE_REQUESTED"
        case .entitlementPlanChanged: "ENTITLEMENT_PLAN_CHANGED"
        case .entitlementPlanChangeCancelled: "ENTITLEMENT_PLAN_CHANGE_CANCELLED"
        case .entitlementPendingCancellation: "ENTITLEMENT_PENDING_CANCELLATION"
        case .entitlementCancellationReverted: "ENTITLEMENT_CANCELLATION_REVERTED"
        case .entitlementCancelling: "ENTITLEMENT_CANCELLING"
        case .entitlementCancelled: "ENTITLEMENT_CANCELLED"
        case .entitlementDeleted: "ENTITLEMENT_DELETED"
        case .entitlementRenewed: "ENTITLEMENT_RENEWED"
        case .entitlementOfferEnded: "ENTITLEMENT_OFFER_ENDED"
        case .unknown(let value): value
        }
    }
}
