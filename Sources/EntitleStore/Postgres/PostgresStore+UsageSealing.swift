import Foundation
public import MarketplaceCore
import PostgresNIO

/// Sealing usage into the ledger (`SealPlan`): entitlements a hundred to a transaction, each in a
/// savepoint under its usage lock, so one that cannot be sealed is rolled back alone and
/// recorded, and intake waits for at most one batch.
extension PostgresStore {
    static let sealingBatch = 100

    public func sealUsage(_ sealing: UsageSealing, at: Timestamp) async throws -> UsageSealingResult {
        let closed = try await fetch(UsageSealingSQL.closedEntitlements(sealing)) {
            try EntitlementID($0.get("entitlement_id", as: String.self))
        }
        var result = UsageSealingResult()
        let ids = sealing.chunk(closed, next: &result.next)
        for start in stride(from: 0, to: ids.count, by: Self.sealingBatch) {
            let batch = Array(ids[start..<min(start + Self.sealingBatch, ids.count)])
            let sealed = try await transaction(bound: batchTimeout) { connection in
                var sealed = UsageSealingResult()
                for id in batch {
                    try await self.run("SAVEPOINT entitlement", on: connection)
                    do {
                        sealed.operations += try await self.run(SealPlan(id, sealing, at: at), on: connection)
                        try await self.run(UsageSealingSQL.clearError(id), on: connection)
                        try await self.run("RELEASE SAVEPOINT entitlement", on: connection)
                    } catch {
                        // A lost connection is no fault of this entitlement's: the pass fails whole.
                        if PostgresDeadline.unavailable(error) != nil { throw error }
                        try await self.run("ROLLBACK TO SAVEPOINT entitlement", on: connection)
                        sealed.failures[id] = "\(error)"
                        try await self.run(SealingErrorPlan(id, "\(error)", at: at), on: connection)
                    }
                }
                return sealed
            }
            result.operations += sealed.operations
            result.failures.merge(sealed.failures) { $1 }
        }
        return result
    }
}
