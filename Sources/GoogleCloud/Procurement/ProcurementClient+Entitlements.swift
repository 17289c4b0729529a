public import MarketplaceCore
import NIOHTTP1

extension ProcurementClient {
    /// `entitlements.get`. Idempotent.
    public func entitlement(_ id: EntitlementID) async throws -> Entitlement {
        try await transport.call(.GET, url("entitlements", id.rawValue), safety: .idempotent)
    }

    /// `entitlements.list`, one page (default 200). Idempotent.
    public func listEntitlements(
        filter: ProcurementFilter? = nil,
        pageSize: Int? = nil,
        pageToken: String? = nil
    ) async throws
        -> ListEntitlementsResponse
    {
        let query = [
            ("filter", filter?.description), ("pageSize", pageSize.map(String.init)), ("pageToken", pageToken),
        ]
        return try await transport.call(.GET, url("entitlements", query: query), safety: .idempotent)
    }

    /// Every matching entitlement, page after page as the sequence is read.
    public func entitlements(filter: ProcurementFilter? = nil, pageSize: Int? = nil) -> GooglePages<Entitlement> {
        GooglePages { token in
            let page = try await listEntitlements(filter: filter, pageSize: pageSize, pageToken: token)
            return (page.entitlements ?? [], page.nextPageToken)
        }
    }

    /// `entitlements.approve` (only in ACTIVATION_REQUESTED). Guarded by state: a repeat is
    /// refused with FAILED_PRECONDITION.
    public func approveEntitlement(_ id: EntitlementID, entitlementMigrated: String? = nil) async throws {
        try await action(id, "approve", ApproveEntitlementRequest(entitlementMigrated: entitlementMigrated))
    }

    /// `entitlements.reject` (only in ACTIVATION_REQUESTED). Guarded by state.
    public func rejectEntitlement(_ id: EntitlementID, reason: String? = nil) async throws {
        try await action(id, "reject", RejectEntitlementRequest(reason: reason))
    }

    /// `entitlements.approvePlanChange`: `pendingPlanName` must be the entitlement's
    /// `newPendingPlan`. Guarded by state.
    public func approvePlanChange(_ id: EntitlementID, pendingPlanName: String) async throws {
        try await action(id, "approvePlanChange", ApproveEntitlementPlanChangeRequest(pendingPlanName: pendingPlanName))
    }

    /// `entitlements.rejectPlanChange`. Guarded by state.
    public func rejectPlanChange(_ id: EntitlementID, pendingPlanName: String, reason: String? = nil) async throws {
        try await action(
            id,
            "rejectPlanChange",
            RejectEntitlementPlanChangeRequest(pendingPlanName: pendingPlanName, reason: reason)
        )
    }

    /// `entitlements.suspend` (documented as not yet supported by Google). Guarded by state.
    public func suspendEntitlement(_ id: EntitlementID, reason: String? = nil) async throws {
        try await action(id, "suspend", SuspendEntitlementRequest(reason: reason))
    }

    /// `entitlements.patch` with `updateMask=messageToUser`: the text the buyer sees while waiting
    /// on the vendor (contract §3.2). Idempotent: the same text twice ends the same.
    @discardableResult
    public func setMessageToUser(_ id: EntitlementID, _ message: String) async throws -> Entitlement {
        var patch = Entitlement()
        patch.messageToUser = message
        return try await patchEntitlement(id, patch, updateMask: ["messageToUser"])
    }

    /// `entitlements.patch`: the fields named in `updateMask` are taken from `entitlement`. Idempotent.
    public func patchEntitlement(
        _ id: EntitlementID,
        _ entitlement: Entitlement,
        updateMask: [String]
    ) async throws -> Entitlement {
        let target = url("entitlements", id.rawValue, query: [("updateMask", updateMask.joined(separator: ","))])
        return try await transport.call(.PATCH, target, body: entitlement, safety: .idempotent)
    }

    private func action(_ id: EntitlementID, _ verb: String, _ body: some Encodable & Sendable) async throws {
        let _: EmptyResponse = try await transport.call(
            .POST,
            url("entitlements", id.rawValue, verb: verb),
            body: body,
            safety: .guardedByState
        )
    }
}
