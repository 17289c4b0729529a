import Foundation
import GRDB
public import MarketplaceCore

/// Sealing usage into the ledger (`SealPlan`). One transaction per pass (one fsync), one savepoint
/// per entitlement: whatever fails for one entitlement (an overflowing sum, a constraint) is
/// rolled back for it alone and recorded on its cursor, and every other entitlement is sealed.
extension SQLiteStore {
    public func sealUsage(_ sealing: UsageSealing, at: Timestamp) async throws -> UsageSealingResult {
        try await faults.guarding(writes: true) { try await seal(sealing, at: at) }
    }

    private func seal(_ sealing: UsageSealing, at: Timestamp) async throws -> UsageSealingResult {
        try await pool.write { db in
            let closed = try db.fetch(UsageSealingSQL.closedEntitlements(sealing)).map {
                try EntitlementID($0.get("entitlement_id", as: String.self))
            }
            var result = UsageSealingResult()
            for id in sealing.chunk(closed, next: &result.next) {
                do {
                    try db.inSavepoint {
                        result.operations += try db.run(SealPlan(id, sealing, at: at))
                        try db.run(UsageSealingSQL.clearError(id))
                        return .commit
                    }
                } catch {
                    // A full disk is no fault of this entitlement's: the whole pass fails, to be
                    // run again, rather than every entitlement recorded as unsealable.
                    if SQLiteFaults.unavailable(error) != nil { throw error }
                    result.failures[id] = "\(error)"
                    try db.run(SealingErrorPlan(id, "\(error)", at: at))
                }
            }
            return result
        }
    }
}
