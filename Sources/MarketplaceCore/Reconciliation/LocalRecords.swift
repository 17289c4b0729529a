/// What Entitle knows of one entitlement: the last copy read from the Procurement API plus its own
/// bookkeeping. Keyed by entitlement id, never by account or product (contract §1.3: multiple orders).
public struct LocalEntitlement: Hashable, Sendable, Codable {
    public var id: EntitlementID
    public var accountID: AccountID?
    /// The entitlement as last re-read; its `updateTime` orders updates (contract §1.4 step 4).
    public var resource: Entitlement
    /// Google answered 404: the entitlement was purged. Terminal.
    public var isDeleted: Bool
    /// The approval Entitle last asked Google for, so the same version is not approved twice.
    public var requestedApproval: RequestedApproval?
    /// Why it still waits although Entitle asked: Google refused the approval (e.g. the account's
    /// sign-up approval is pending again after a reset). Cleared by the next decision.
    public var waitingReason: String?
    /// Google answered 404 for an entitlement that was not cancelled, at this time: not believed
    /// until it persists (`EntitlementSituation.absenceConfirmationSeconds`). Cleared when found.
    public var missingSince: Timestamp?

    public init(
        id: EntitlementID,
        accountID: AccountID?,
        resource: Entitlement,
        isDeleted: Bool = false,
        requestedApproval: RequestedApproval? = nil,
        waitingReason: String? = nil,
        missingSince: Timestamp? = nil
    ) {
        self.id = id
        self.accountID = accountID
        self.resource = resource
        self.isDeleted = isDeleted
        self.requestedApproval = requestedApproval
        self.waitingReason = waitingReason
        self.missingSince = missingSince
    }

    public var state: EntitlementState? { resource.state }
    public var plan: String? { resource.plan }
    public var updateTime: Timestamp? { resource.updateTime }
}

/// An approval call Entitle made, and the entitlement version (`updateTime`) it was made for.
public struct RequestedApproval: Hashable, Sendable, Codable {
    public enum Kind: Hashable, Sendable, Codable {
        case activation
        case planChange(pendingPlan: String)
    }

    public var kind: Kind
    public var forUpdateTime: Timestamp?

    public init(kind: Kind, forUpdateTime: Timestamp?) {
        self.kind = kind
        self.forUpdateTime = forUpdateTime
    }
}

/// What Entitle knows of one Marketplace account.
public struct LocalAccount: Hashable, Sendable, Codable {
    public var id: AccountID
    /// Google's `signup` approval state, as last read.
    public var signupApproval: ApprovalState?
    /// The buyer completed the vendor's sign-up page and is linked to a customer.
    public var isSignedUp: Bool
    /// ACCOUNT_DELETED was handled: personal data is gone. Terminal.
    public var isErased: Bool
    public var updateTime: Timestamp?

    public init(
        id: AccountID,
        signupApproval: ApprovalState? = nil,
        isSignedUp: Bool = false,
        isErased: Bool = false,
        updateTime: Timestamp? = nil
    ) {
        self.id = id
        self.signupApproval = signupApproval
        self.isSignedUp = isSignedUp
        self.isErased = isErased
        self.updateTime = updateTime
    }
}

/// The result of re-reading a resource: it exists, or Google answered 404 (gone).
public enum FetchResult<Resource: Hashable & Sendable>: Hashable, Sendable {
    case found(Resource)
    case notFound
}
