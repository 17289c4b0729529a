import MarketplaceCore

/// The intake's statements that take a list, in the store's shape (`ListSlicing`): SQLite's are
/// slices of an `IN (…)` list or a multi-row `VALUES`, each length prepared once; PostgreSQL's are
/// one statement a list, each column's values bound as one array (`unnest`, `= ANY`), so that
/// the server parses and binds a few values rather than ten a record.
extension UsageIntakeSQL {
    /// A record to insert, as it is kept.
    struct NewRecord {
        var app: String
        var submission: UsageSubmission
        var labels: String
        var windowStart: Timestamp
        var at: Timestamp
    }

    static func records(app: String, keys: [String], _ lists: ListSlicing) -> [StoreSQL] {
        // One probe of the primary key per key. `app = $1 AND idempotency_key = ANY($2)` was
        // planned, while the table had no column statistics (a new store, or one growing faster
        // than autovacuum analyzes it), as a scan of all the app's records filtered by the list:
        // 38 ms for 1,000 keys among 113,000 records, and more as the ledger grows; the probes take
        // 8 ms however many it holds. `LIMIT 1` (the key is unique) keeps PostgreSQL from turning
        // the lateral subquery back into a join it would plan the same way.
        lists.statements(
            keys,
            sliced: { records(app: app, idempotencyKeys: $0) },
            whole: { keys in
                """
                SELECT r.* FROM unnest(\(array: keys)) AS k(key), LATERAL (SELECT \(recordColumns) FROM usage_record \
                WHERE app = \(app) AND idempotency_key = k.key LIMIT 1) AS r
                """
            }
        )
    }

    static func cursors(_ ids: [EntitlementID], _ lists: ListSlicing) -> [StoreSQL] {
        lists.statements(ids, sliced: cursors) { ids in
            "SELECT * FROM usage_cursor WHERE entitlement_id = ANY(\(array: ids.map(\.rawValue)))"
        }
    }

    static func entitlements(_ ids: [EntitlementID], _ lists: ListSlicing) -> [StoreSQL] {
        lists.statements(ids, sliced: entitlements) { ids in
            "SELECT id, record FROM entitlement WHERE id = ANY(\(array: ids.map(\.rawValue)))"
        }
    }

    static func unsealedTotals(_ keys: [UsageIntakePlan.Aggregate], _ lists: ListSlicing) -> [StoreSQL] {
        lists.statements(keys, sliced: unsealedTotals) { keys in
            """
            SELECT entitlement_id, metric, labels, window_start, high_sum, low_sum FROM usage_unsealed
            WHERE (entitlement_id, metric, labels, window_start) IN (SELECT * FROM unnest(\
            \(array: keys.map(\.entitlementID.rawValue)), \(array: keys.map(\.metric)), \(array: keys.map(\.labels)), \
            \(array: keys.map(\.windowStart.micros))))
            """
        }
    }

    static func insert(_ records: [NewRecord], _ lists: ListSlicing) -> [StoreSQL] {
        lists.statements(
            records,
            sliced: { insert($0.map(row)) },
            whole: { records in
                """
                INSERT INTO usage_record (\(insertColumns))
                SELECT * FROM unnest(\(array: records.map(\.app)), \(array: records.map(\.submission.idempotencyKey)), \
                \(array: records.map(\.submission.entitlementID.rawValue)), \
                \(array: records.map(\.submission.metric)), \(array: records.map(\.labels)), \
                \(array: records.map(\.submission.quantity)), \
                \(array: records.map(\.submission.time.micros)), \(array: records.map(\.submission.timeGiven)), \
                \(array: records.map(\.windowStart.micros)), \(array: records.map(\.at.micros)))
                """
            }
        )
    }

    static func addToTotals(_ added: [(UsageIntakePlan.Aggregate, [Int64])], _ lists: ListSlicing) -> [StoreSQL] {
        lists.statements(added, sliced: addToTotals) { added in
            let halves = added.map { UsageSum.halves(of: $0.1) }
            let keys = added.map(\.0)
            return """
                INSERT INTO usage_unsealed (entitlement_id, metric, labels, window_start, high_sum, low_sum, records)
                SELECT * FROM unnest(\(array: keys.map(\.entitlementID.rawValue)), \(array: keys.map(\.metric)), \
                \(array: keys.map(\.labels)), \(array: keys.map(\.windowStart.micros)), \(array: halves.map(\.high)), \
                \(array: halves.map(\.low)), \(array: added.map { Int64($0.1.count) }))
                ON CONFLICT (entitlement_id, metric, labels, window_start) DO UPDATE SET \(addExcluded)
                """
        }
    }
}
