import Foundation
import GRDB
public import MarketplaceCore

/// Pruning by age (`RetentionSQL`): one short write transaction per kind of row.
extension SQLiteStore {
    public func prune(_ policy: RetentionPolicy, now: Timestamp, batch: Int) async throws -> PruneSummary {
        var summary = PruneSummary()
        for (kind, sql) in RetentionSQL.statements(policy, now: now, batch: batch) {
            summary[keyPath: kind] = try await pool.write { db in try db.fetch(sql).count }
        }
        return summary
    }
}
