/// One thing the shell must do after a decision. API calls come first in a decision's list; the
/// rest are written in one transaction with the inbox row (docs/architecture.md, "How a
/// notification flows", steps 5–6).
public enum ReconcilerAction: Hashable, Sendable {
    case approveEntitlement(EntitlementID)
    case rejectEntitlement(EntitlementID, reason: String)
    /// `pendingPlan` is the re-read `newPendingPlan`, never the message's `newPlan` (contract §1.3).
    case approvePlanChange(EntitlementID, pendingPlan: String)
    case rejectPlanChange(EntitlementID, pendingPlan: String, reason: String)
    case recordEntitlement(LocalEntitlement)
    case recordAccount(LocalAccount)
    case enqueueCallback(CallbackRequest)
    /// Remove the customer's personal data, keeping anonymised billing records (contract §1.3).
    case eraseAccountData(AccountID)
    /// Nothing more can be done until something else happens.
    case await(AwaitReason)
    /// A deliberate no-op, with why, for the audit log.
    case nothing(NothingReason)
    /// An event type this version does not know: handled by state like any other, and logged.
    case logUnknownEventType(String)

    /// Whether the action calls the Procurement API.
    public var callsGoogle: Bool {
        switch self {
        case .approveEntitlement, .rejectEntitlement, .approvePlanChange, .rejectPlanChange: true
        default: false
        }
    }
}

/// What Entitle is waiting for.
public enum AwaitReason: Hashable, Sendable {
    /// The buyer has not completed the vendor's sign-up page; the sign-up flow approves later.
    case signup(AccountID?)
    case manualApproval
    case manualPlanChange(pendingPlan: String)
    /// An approved or auto-approved offer starts later; ENTITLEMENT_ACTIVE follows (contract §1.3).
    case scheduledStart(Timestamp?)
    /// Google refused the approval and the re-read shows it did not take effect: why.
    case refusedByGoogle(String)
    /// Google answers 404 for an entitlement in service since this time: not believed yet.
    case absenceConfirmation(since: Timestamp)
}

/// Why a decision changes nothing.
public enum NothingReason: Hashable, Sendable {
    /// The re-read copy is older than the stored one (contract §1.4 step 4).
    case staleResource(fetched: Timestamp, stored: Timestamp)
    case deprecatedEvent(EventType)
    /// Google answered 404 and nothing is stored, or the stored copy is already deleted.
    case resourceGone
    case alreadyErased
    /// The re-read copy equals the stored one and Google waits on nothing.
    case upToDate
    /// Entitle already asked Google to approve this version; the answer is on its way.
    case approvalAlreadyRequested
    /// PENDING_PLAN_CHANGE_APPROVAL without a `newPendingPlan`: nothing to approve.
    case missingPendingPlan
}

/// A provisioning callback to enqueue in the outbox.
public struct CallbackRequest: Hashable, Sendable {
    public var kind: CallbackKind
    public var accountID: AccountID?
    public var entitlementID: EntitlementID?
    /// Makes the callback's id differ from one announcing the same version before: an entitlement
    /// restored after a 404 is announced again although Google's copy did not change.
    public var occasion: String?

    public init(kind: CallbackKind, accountID: AccountID?, entitlementID: EntitlementID?, occasion: String? = nil) {
        self.kind = kind
        self.accountID = accountID
        self.entitlementID = entitlementID
        self.occasion = occasion
    }
}

/// The kinds of provisioning callback Entitle sends to the vendor's app.
public enum CallbackKind: String, Hashable, Sendable, Codable, CaseIterable {
    case customerSignedUp = "customer.signed_up"
    case approvalRequested = "entitlement.approval_requested"
    case offerAccepted = "entitlement.offer_accepted"
    case activated = "entitlement.activated"
    case planChangeRequested = "entitlement.plan_change_requested"
    case planChanged = "entitlement.plan_changed"
    case pendingCancellation = "entitlement.pending_cancellation"
    case cancellationReverted = "entitlement.cancellation_reverted"
    case cancelled = "entitlement.cancelled"
    /// The order ended because it moved to another billing account (`cancellationReason`
    /// `migrated`): keep the customer's data; the new order arrives as any order does.
    case migrated = "entitlement.migrated"
    case offerEnded = "entitlement.offer_ended"
    case renewed = "entitlement.renewed"
    case accountDeleted = "account.deleted"
    /// A person not seen before came from Marketplace for an account already linked.
    case personAdded = "account.person_added"
    /// Gemini Enterprise was given a client for an agent order (`clientId`).
    case agentClientRegistered = "agent.client_registered"
    /// An agent order left service and its client was deleted at the identity provider.
    case agentClientRevoked = "agent.client_revoked"
    case usageCheckFailed = "usage.check_failed"
    case usageReportingBlocked = "usage.reporting_blocked"
}
