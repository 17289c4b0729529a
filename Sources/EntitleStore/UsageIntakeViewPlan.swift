import Foundation
import MarketplaceCore

/// One read for everything intake judges a batch by (`UsageIntakeView`): the records stored under
/// its keys, its entitlements and their usage cursors, a slice of each at a time, so a request of
/// one record costs one read transaction and a request of 1,000 a handful of statements.
struct UsageIntakeViewPlan: StorePlan {
    private let submissions: [UsageSubmission]
    private let app: String
    private let keys: [ArraySlice<String>]
    private let entitlements: [ArraySlice<EntitlementID>]
    private var asked = false

    init(_ submissions: [UsageSubmission], app: String) {
        self.submissions = submissions
        self.app = app
        keys = StoreSQL.slices(Array(Set(submissions.map(\.idempotencyKey))))
        entitlements = StoreSQL.slices(Set(submissions.map(\.entitlementID)).sorted { $0.rawValue < $1.rawValue })
    }

    mutating func next(_ answers: [[any StoreRow]]) throws -> StorePlanStep<UsageIntakeView> {
        guard asked else {
            asked = true
            return .read(
                keys.map { UsageIntakeSQL.records(app: app, idempotencyKeys: $0) }
                    + entitlements.map(UsageIntakeSQL.entitlements) + entitlements.map(UsageIntakeSQL.cursors)
            )
        }
        var view = UsageIntakeView()
        var stored: [String: StoredUsage] = [:]
        for row in answers.prefix(keys.count).joined() { stored[try row.get("idempotency_key")] = try StoredUsage(row) }
        for submission in submissions {
            guard let earlier = stored[submission.idempotencyKey],
                earlier.isSame(as: submission, labels: try StoreJSON.encode(submission.labels))
            else { continue }
            view.duplicates.insert(submission.idempotencyKey)
        }
        let rest = answers.dropFirst(keys.count)
        for row in rest.prefix(entitlements.count).joined() {
            let entitlement = try RecordSQL.record(row) as LocalEntitlement
            view.entitlements[entitlement.id] = entitlement
        }
        for row in rest.dropFirst(entitlements.count).joined() {
            let cursor = try UsageLedgerSQL.usageCursor(row)
            view.cursors[cursor.entitlementID] = cursor
        }
        return .write([], view)
    }
}
