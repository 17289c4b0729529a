import Foundation
public import MarketplaceCore
import PostgresNIO

/// Usage as the app sends it (`UsageIntakePlan`, `UsageIntakeSQL`). Intake and sealing of one
/// entitlement take turns on its lock, so a record is never put into a window another replica's
/// pass is sealing.
extension PostgresStore {
    public func recordUsage(
        _ submissions: [UsageSubmission],
        app: String,
        windowLength: Int64,
        at: Timestamp
    ) async throws -> [UsageAcceptance] {
        let plan = try UsageIntakePlan(submissions, app: app, windowLength: windowLength, at: at)
        return try await write { connection in
            for name in plan.locks { try await lock(name, on: connection) }
            return try await run(plan, on: connection)
        }
    }

    public func duplicateUsageKeys(_ submissions: [UsageSubmission], app: String) async throws -> Set<String> {
        try await read { connection in
            var keys: Set<String> = []
            for submission in submissions {
                let sql = UsageIntakeSQL.record(app: app, idempotencyKey: submission.idempotencyKey)
                if let stored = try await fetchOne(sql, on: connection).map(StoredUsage.init),
                    stored.isSame(as: submission, labels: try StoreJSON.encode(submission.labels))
                {
                    keys.insert(submission.idempotencyKey)
                }
            }
            return keys
        }
    }

    public func usageCursor(_ id: EntitlementID) async throws -> UsageCursor? {
        try await read { try await fetchOne(UsageLedgerSQL.cursor(id), on: $0).map(UsageLedgerSQL.usageCursor) }
    }

    public func entitlementsWithUnsealedUsage() async throws -> [EntitlementID] {
        try await read {
            try await values(UsageIntakeSQL.withUnsealedUsage, as: String.self, on: $0).map(EntitlementID.init)
        }
    }

    public func unsealedUsage(entitlement: EntitlementID?) async throws -> [UsageAggregate] {
        try await read { try await fetch(UsageIntakeSQL.unsealed(entitlement), on: $0).map(UsageIntakeSQL.aggregate) }
    }
}
