import Foundation
public import MarketplaceCore
import PostgresNIO

/// Pruning by age (`RetentionSQL`): one short transaction per kind of row.
extension PostgresStore {
    public func prune(_ policy: RetentionPolicy, now: Timestamp, batch: Int) async throws -> PruneSummary {
        var summary = PruneSummary()
        for (kind, sql) in RetentionSQL.statements(policy, now: now, batch: batch) {
            summary[keyPath: kind] = try await write { try await fetch(sql, on: $0).count }
        }
        return summary
    }
}
