import Foundation
import GRDB
public import MarketplaceCore

/// Sealing usage into the ledger (`UsageSealingPlan`, `UsageSealingSQL`). One transaction per pass
/// (one fsync), one savepoint per entitlement: whatever fails for one entitlement (an overflowing
/// sum, a constraint) is rolled back for it alone and recorded on its cursor, and every other
/// entitlement is sealed.
extension SQLiteStore {
    public func sealUsage(_ sealing: UsageSealing, at: Timestamp) async throws -> UsageSealingResult {
        try await pool.write { db in
            let closed = try db.values(UsageSealingSQL.closedEntitlements(sealing), as: String.self).map(
                EntitlementID.init
            )
            var result = UsageSealingResult()
            for id in sealing.chunk(closed, next: &result.next) {
                do {
                    try db.inSavepoint {
                        result.operations += try Self.seal(id, sealing, at: at, db)
                        try db.run(UsageSealingSQL.clearError(id))
                        return .commit
                    }
                } catch {
                    result.failures[id] = "\(error)"
                    try Self.recordSealingError(id, "\(error)", at: at, db)
                }
            }
            return result
        }
    }

    public func resealUsage(
        _ id: EntitlementID,
        cancelledAt: Timestamp,
        sealing: UsageSealing,
        at: Timestamp
    ) async throws -> [UsageOperationRecord] {
        try await pool.write { db in
            let stale = try db.fetch(UsageSealingSQL.stale(id, cancelledAt: cancelledAt)).map(
                UsageLedgerSQL.usageOperation
            )
            guard !stale.isEmpty else { return [] }
            for statement in stale.flatMap({ UsageSealingSQL.supersede($0, at: at) }) { try db.run(statement) }
            var final = sealing
            final.finals = [id: cancelledAt]
            let written = try Self.seal(id, final, at: at, db)
            for operation in stale {
                let into = try db.values(UsageSealingSQL.successors(of: operation), as: String?.self).compactMap { $0 }
                try db.run(UsageSealingSQL.noteSuperseded(operation, cancelledAt: cancelledAt, into: into))
            }
            return written
        }
    }

    /// Seals one entitlement: its closed windows, or all its usage when it is final.
    static func seal(
        _ id: EntitlementID,
        _ sealing: UsageSealing,
        at: Timestamp,
        _ db: Database
    ) throws -> [UsageOperationRecord] {
        let rows = try db.fetch(UsageSealingSQL.unsealed(id, sealing)).map(UsageSealingSQL.row)
        let plan = try UsageSealingPlan(id, rows: rows, sealing: sealing)
        for statement in UsageSealingSQL.writes(plan, id, final: sealing.finals[id] != nil, at: at) {
            try db.run(statement)
        }
        return try UsageSealingSQL.records(plan, id, at: at)
    }

    static func recordSealingError(_ id: EntitlementID, _ reason: String, at: Timestamp, _ db: Database) throws {
        let known = try db.values(UsageSealingSQL.knownError(id), as: String?.self).first ?? nil
        for statement in UsageSealingSQL.recordError(id, reason, known: known, at: at) { try db.run(statement) }
    }
}
