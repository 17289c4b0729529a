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

    /// One record of a batch: what it asks to bill, or why it names no entitlement.
    public enum Item: Sendable {
        case submission(UsageSubmission)
        case unresolvable(String)
    }

    let store: any Store
    let catalog: UsageCatalog
    let windowLength: Int64
    let maxQuantity: Int64
    let now: @Sendable () -> Timestamp

    public init(
        store: any Store,
        catalog: UsageCatalog,
        windowLength: Int64 = 3600,
        maxQuantity: Int64 = UsageValidation.defaultMaxQuantity,
        now: @escaping @Sendable () -> Timestamp = { Timestamp(Date()) }
    ) {
        self.store = store
        self.catalog = catalog
        self.windowLength = windowLength
        self.maxQuantity = maxQuantity
        self.now = now
    }

    /// - Parameter app: the vendor app sending it; idempotency keys are per app.
    /// - Throws: `Rejected` (with every record's reasons) or `UsageConflict` (a known key with
    ///   another body); in both cases nothing was recorded.
    public func record(_ submissions: [UsageSubmission], app: String) async throws -> [UsageAcceptance] {
        try await record(items: submissions.map(Item.submission), app: app)
    }

    /// As `record(_:app:)`, for a batch where some records could not be resolved to an
    /// entitlement: every bad record is listed, resolvable or not.
    public func record(items: [Item], app: String) async throws -> [UsageAcceptance] {
        let time = now()
        var problems: [Int: [String]] = [:]
        var submissions: [UsageSubmission] = []
        for (index, item) in items.enumerated() {
            switch item {
            case .submission(let submission): submissions.append(submission)
            case .unresolvable(let reason): problems[index] = [reason]
            }
        }
        // Positions of the resolved records in the batch, for the reasons a 422 lists.
        let positions = items.indices.filter { problems[$0] == nil }
        // Judged in the store's transaction, by the entitlement and cursor as they stand there. With
        // records that name no entitlement the batch is refused, and the others are judged all the
        // same so that every bad record is listed.
        let rules = UsageIntakeRules(judgeOnly: !problems.isEmpty) {
            [catalog, maxQuantity] submission, entitlement, cursor in
            UsageValidation.problems(
                submission,
                entitlement: entitlement,
                metrics: entitlement.flatMap { catalog.metrics(for: $0.resource) },
                finalReported: cursor?.isFinal ?? false,
                maxQuantity: maxQuantity,
                now: time
            )
        }
        do {
            guard !submissions.isEmpty else { throw UsageRefused(problems: [:]) }
            return try await store.recordUsage(
                submissions,
                app: app,
                windowLength: windowLength,
                at: time,
                rules: rules
            )
        } catch let refused as UsageRefused {
            for (offset, reasons) in refused.problems { problems[positions[offset]] = reasons }
            throw Rejected(problems: problems)
        } catch let overflow as UsageOverflow {
            throw Rejected(problems: overflow.problems.reduce(into: [:]) { $0[positions[$1.key]] = [$1.value] })
        }
    }

    /// The entitlement an account has for a product, for apps that know the account and product
    /// rather than the entitlement: the one in service (or the newest, when none is).
    public func entitlement(account: AccountID, product: String) async throws -> EntitlementID? {
        let candidates = try await store.entitlements(ofAccount: account).filter {
            $0.resource.product == product && !$0.isDeleted
        }
        let inService = candidates.filter { $0.state?.isInService == true }
        if inService.count == 1 { return inService[0].id }
        guard inService.isEmpty else { return nil }
        return candidates.max { ($0.resource.createTime ?? .earliest) < ($1.resource.createTime ?? .earliest) }?.id
    }
}
