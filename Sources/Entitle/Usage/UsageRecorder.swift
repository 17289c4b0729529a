public import EntitleStore
public import Foundation
public import MarketplaceCore

/// Records the vendor app's usage: validates each record against its entitlement, then keeps
/// the whole batch in one transaction, or none of it. The Swift API behind `POST /v1/usage`, for
/// vendors who embed Entitle as a library.
public struct UsageRecorder: Sendable {
    /// Records that cannot be billed: nothing of the batch was recorded.
    public struct Rejected: Error, Sendable {
        /// Position in the batch → reasons.
        public var problems: [Int: [String]]
    }

    let store: any Store
    let catalog: UsageCatalog
    let windowLength: Int64
    let now: @Sendable () -> Timestamp

    public init(store: any Store, catalog: UsageCatalog, windowLength: Int64 = 3600, now: @escaping @Sendable () -> Timestamp = { Timestamp(Date()) })
    {
        self.store = store
        self.catalog = catalog
        self.windowLength = windowLength
        self.now = now
    }

    /// - Parameter app: the vendor app sending it; idempotency keys are per app.
    /// - Throws: `Rejected` (with every record's reasons) or `UsageConflict` (a known key with
    ///   another body); in both cases nothing was recorded.
    public func record(_ submissions: [UsageSubmission], app: String) async throws -> [UsageAcceptance] {
        let time = now()
        var problems: [Int: [String]] = [:]
        var entitlements: [EntitlementID: (LocalEntitlement?, UsageCursor?)] = [:]
        // A record sent again as it was first accepted is a duplicate, even if it could not be
        // accepted now (its entitlement was cancelled since): the app's retry must not fail.
        let duplicates = try await store.duplicateUsageKeys(submissions, app: app)
        for (index, submission) in submissions.enumerated() where !duplicates.contains(submission.idempotencyKey) {
            if entitlements[submission.entitlementID] == nil {
                entitlements[submission.entitlementID] = (
                    try await store.entitlement(submission.entitlementID), try await store.usageCursor(submission.entitlementID)
                )
            }
            let (entitlement, cursor) = entitlements[submission.entitlementID] ?? (nil, nil)
            let reasons = UsageValidation.problems(
                submission,
                entitlement: entitlement,
                metrics: entitlement.flatMap { catalog.metrics(for: $0.resource) },
                finalReported: cursor?.isFinal ?? false,
                now: time
            )
            if !reasons.isEmpty { problems[index] = reasons }
        }
        guard problems.isEmpty else { throw Rejected(problems: problems) }
        return try await store.recordUsage(submissions, app: app, windowLength: windowLength, at: time)
    }

    /// The entitlement an account has for a product, for apps that know the account and product
    /// rather than the entitlement: the one in service (or the newest, when none is).
    public func entitlement(account: AccountID, product: String) async throws -> EntitlementID? {
        let candidates = try await store.entitlements(ofAccount: account).filter { $0.resource.product == product && !$0.isDeleted }
        let inService = candidates.filter { $0.state?.isInService == true }
        if inService.count == 1 { return inService[0].id }
        guard inService.isEmpty else { return nil }
        return candidates.max { ($0.resource.createTime ?? .earliest) < ($1.resource.createTime ?? .earliest) }?.id
    }
}
