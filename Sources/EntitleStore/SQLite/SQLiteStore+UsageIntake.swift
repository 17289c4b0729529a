import Foundation
import GRDB
public import MarketplaceCore

/// Usage as the app sends it (`UsageIntakePlan`, `UsageIntakeSQL`).
extension SQLiteStore {
    public func recordUsage(
        _ submissions: [UsageSubmission],
        app: String,
        windowLength: Int64,
        at: Timestamp
    ) async throws -> [UsageAcceptance] {
        let plan = try UsageIntakePlan(submissions, app: app, windowLength: windowLength, at: at)
        return try await pool.write { db in try db.run(plan) }
    }

    public func duplicateUsageKeys(_ submissions: [UsageSubmission], app: String) async throws -> Set<String> {
        try await pool.read { db in
            var keys: Set<String> = []
            for submission in submissions {
                let sql = UsageIntakeSQL.record(app: app, idempotencyKey: submission.idempotencyKey)
                if let stored = try db.fetchOne(sql).map(StoredUsage.init),
                    stored.isSame(as: submission, labels: try StoreJSON.encode(submission.labels))
                {
                    keys.insert(submission.idempotencyKey)
                }
            }
            return keys
        }
    }

    public func usageCursor(_ id: EntitlementID) async throws -> UsageCursor? {
        try await pool.read { db in try db.fetchOne(UsageLedgerSQL.cursor(id)).map(UsageLedgerSQL.usageCursor) }
    }

    public func entitlementsWithUnsealedUsage() async throws -> [EntitlementID] {
        try await pool.read { db in
            try db.values(UsageIntakeSQL.withUnsealedUsage, as: String.self).map(EntitlementID.init)
        }
    }

    public func unsealedUsage(entitlement: EntitlementID?) async throws -> [UsageAggregate] {
        try await pool.read { db in try db.fetch(UsageIntakeSQL.unsealed(entitlement)).map(UsageIntakeSQL.aggregate) }
    }
}
