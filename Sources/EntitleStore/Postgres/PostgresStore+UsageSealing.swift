import Foundation
public import MarketplaceCore
import PostgresNIO

/// Sealing usage into the ledger (`UsageSealingPlan`, `UsageSealingSQL`): entitlements a hundred
/// to a transaction, each in a savepoint under its usage lock, so one that cannot be sealed is
/// rolled back alone and recorded, and intake waits for at most one batch.
extension PostgresStore {
    static let sealingBatch = 100

    public func sealUsage(_ sealing: UsageSealing, at: Timestamp) async throws -> UsageSealingResult {
        let closed = try await read { connection in
            try await values(UsageSealingSQL.closedEntitlements(sealing), as: String.self, on: connection).map(
                EntitlementID.init
            )
        }
        var result = UsageSealingResult()
        let ids = sealing.chunk(closed, next: &result.next)
        for start in stride(from: 0, to: ids.count, by: Self.sealingBatch) {
            let batch = Array(ids[start..<min(start + Self.sealingBatch, ids.count)])
            let sealed = try await write { connection in
                var sealed = UsageSealingResult()
                for id in batch {
                    try await run("SAVEPOINT entitlement", on: connection)
                    do {
                        try await lock("usage:\(id.rawValue)", on: connection)
                        sealed.operations += try await seal(id, sealing, at: at, on: connection)
                        try await run(UsageSealingSQL.clearError(id), on: connection)
                        try await run("RELEASE SAVEPOINT entitlement", on: connection)
                    } catch {
                        try await run("ROLLBACK TO SAVEPOINT entitlement", on: connection)
                        sealed.failures[id] = "\(error)"
                        try await recordSealingError(id, "\(error)", at: at, on: connection)
                    }
                }
                return sealed
            }
            result.operations += sealed.operations
            result.failures.merge(sealed.failures) { $1 }
        }
        return result
    }

    public func resealUsage(
        _ id: EntitlementID,
        cancelledAt: Timestamp,
        sealing: UsageSealing,
        at: Timestamp
    ) async throws -> [UsageOperationRecord] {
        try await write { connection in
            try await lock("usage:\(id.rawValue)", on: connection)
            let stale = try await fetch(UsageSealingSQL.stale(id, cancelledAt: cancelledAt), on: connection)
                .map(UsageLedgerSQL.usageOperation)
            guard !stale.isEmpty else { return [] }
            for statement in stale.flatMap({ UsageSealingSQL.supersede($0, at: at) }) {
                try await run(statement, on: connection)
            }
            var final = sealing
            final.finals = [id: cancelledAt]
            let written = try await seal(id, final, at: at, on: connection)
            for operation in stale {
                let into = try await values(UsageSealingSQL.successors(of: operation), as: String?.self, on: connection)
                try await run(
                    UsageSealingSQL.noteSuperseded(operation, cancelledAt: cancelledAt, into: into.compactMap { $0 }),
                    on: connection
                )
            }
            return written
        }
    }

    func seal(
        _ id: EntitlementID,
        _ sealing: UsageSealing,
        at: Timestamp,
        on connection: PostgresConnection
    ) async throws -> [UsageOperationRecord] {
        let rows = try await fetch(UsageSealingSQL.unsealed(id, sealing), on: connection).map(UsageSealingSQL.row)
        let plan = try UsageSealingPlan(id, rows: rows, sealing: sealing)
        for statement in UsageSealingSQL.writes(plan, id, final: sealing.finals[id] != nil, at: at) {
            try await run(statement, on: connection)
        }
        return try UsageSealingSQL.records(plan, id, at: at)
    }

    func recordSealingError(
        _ id: EntitlementID,
        _ reason: String,
        at: Timestamp,
        on connection: PostgresConnection
    ) async throws {
        let known = try await values(UsageSealingSQL.knownError(id), as: String?.self, on: connection).first ?? nil
        for statement in UsageSealingSQL.recordError(id, reason, known: known, at: at) {
            try await run(statement, on: connection)
        }
    }
}
