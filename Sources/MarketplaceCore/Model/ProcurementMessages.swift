/// `ListAccountsResponse`: one page of accounts.
public struct ListAccountsResponse: Codable, Hashable, Sendable {
    public var accounts: [Account]?
    /// Absent or empty on the last page.
    public var nextPageToken: String?

    public init(accounts: [Account]? = nil, nextPageToken: String? = nil) {
        self.accounts = accounts
        self.nextPageToken = nextPageToken
    }
}

/// `ListEntitlementsResponse`: one page of entitlements.
public struct ListEntitlementsResponse: Codable, Hashable, Sendable {
    public var entitlements: [Entitlement]?
    public var nextPageToken: String?

    public init(entitlements: [Entitlement]? = nil, nextPageToken: String? = nil) {
        self.entitlements = entitlements
        self.nextPageToken = nextPageToken
    }
}

/// Body of `accounts:approve`.
public struct ApproveAccountRequest: Codable, Hashable, Sendable {
    public var approvalName: String?
    public var reason: String?
    public var properties: [String: String]?

    public init(approvalName: String? = Approval.signupName, reason: String? = nil, properties: [String: String]? = nil)
    {
        self.approvalName = approvalName
        self.reason = reason
        self.properties = properties
    }
}

/// Body of `accounts:reject`.
public struct RejectAccountRequest: Codable, Hashable, Sendable {
    public var approvalName: String?
    public var reason: String?

    public init(approvalName: String? = Approval.signupName, reason: String? = nil) {
        self.approvalName = approvalName
        self.reason = reason
    }
}

/// Body of `accounts:reset` (empty).
public struct ResetAccountRequest: Codable, Hashable, Sendable {
    public init() {}
}

/// Body of `entitlements:approve`; usually `{}`.
public struct ApproveEntitlementRequest: Codable, Hashable, Sendable {
    /// `providers/{p}/entitlements/{old}` when this order replaces a migrated one.
    public var entitlementMigrated: String?
    /// Deprecated by Google.
    public var properties: [String: String]?

    public init(entitlementMigrated: String? = nil, properties: [String: String]? = nil) {
        self.entitlementMigrated = entitlementMigrated
        self.properties = properties
    }
}

/// Body of `entitlements:reject`.
public struct RejectEntitlementRequest: Codable, Hashable, Sendable {
    public var reason: String?

    public init(reason: String? = nil) {
        self.reason = reason
    }
}

/// Body of `entitlements:approvePlanChange`; `pendingPlanName` must be the fetched `newPendingPlan`.
public struct ApproveEntitlementPlanChangeRequest: Codable, Hashable, Sendable {
    public var pendingPlanName: String?

    public init(pendingPlanName: String?) {
        self.pendingPlanName = pendingPlanName
    }
}

/// Body of `entitlements:rejectPlanChange`.
public struct RejectEntitlementPlanChangeRequest: Codable, Hashable, Sendable {
    public var pendingPlanName: String?
    public var reason: String?

    public init(pendingPlanName: String?, reason: String? = nil) {
        self.pendingPlanName = pendingPlanName
        self.reason = reason
    }
}

/// Body of `entitlements:suspend` (documented by Google as not yet supported).
public struct SuspendEntitlementRequest: Codable, Hashable, Sendable {
    public var reason: String?

    public init(reason: String? = nil) {
        self.reason = reason
    }
}

/// `Empty`: what every action method answers on success (`{}`).
public struct EmptyResponse: Codable, Hashable, Sendable {
    public init() {}
}
