import Foundation
import MarketplaceCore

/// Usage as the app sends it: stored records, the open windows' maintained totals
/// (`usage_unsealed`, one row per entitlement × metric × labels × window with records not sealed
/// yet), and what is not sealed yet. Lists are read and written a slice at a time
/// (`ListSlicing`), never a statement per record.
enum UsageIntakeSQL {
    static let recordColumns: StoreSQL =
        "idempotency_key, entitlement_id, metric, labels, quantity, usage_time, time_given, window_start"

    /// The records stored under these keys (at most one each).
    static func records(app: String, idempotencyKeys: some Collection<String>) -> StoreSQL {
        """
        SELECT \(recordColumns) FROM usage_record
        WHERE app = \(app) AND idempotency_key IN (\(list: Array(idempotencyKeys)))
        """
    }

    static func cursors(_ ids: some Collection<EntitlementID>) -> StoreSQL {
        "SELECT * FROM usage_cursor WHERE entitlement_id IN (\(list: ids.map(\.rawValue)))"
    }

    static func entitlements(_ ids: some Collection<EntitlementID>) -> StoreSQL {
        "SELECT id, record FROM entitlement WHERE id IN (\(list: ids.map(\.rawValue)))"
    }

    /// These aggregates' unsealed totals, as two halves (`UsageSum`); none for one that has none.
    static func unsealedTotals(_ keys: some Collection<UsageIntakePlan.Aggregate>) -> StoreSQL {
        let rows = keys.map { key -> StoreSQL in
            "(\(key.entitlementID.rawValue), \(key.metric), \(key.labels), \(key.windowStart))"
        }
        return """
            SELECT entitlement_id, metric, labels, window_start, high_sum, low_sum FROM usage_unsealed
            WHERE (entitlement_id, metric, labels, window_start) IN (VALUES \(StoreSQL(joining: rows, separator: ", ")))
            """
    }

    static func aggregateKey(_ row: any StoreRow) throws -> UsageIntakePlan.Aggregate {
        UsageIntakePlan.Aggregate(
            entitlementID: try EntitlementID(row.get("entitlement_id", as: String.self)),
            metric: try row.get("metric"),
            labels: try row.get("labels"),
            windowStart: try row.time("window_start")
        )
    }

    /// New records, one row each.
    static func insert(_ rows: some Collection<StoreSQL>) -> StoreSQL {
        """
        INSERT INTO usage_record (\(insertColumns))
        VALUES \(StoreSQL(joining: rows, separator: ", "))
        """
    }

    static let insertColumns: StoreSQL = """
        app, idempotency_key, entitlement_id, metric, labels, quantity, usage_time, time_given, window_start, \
        accepted_at
        """

    static func row(_ record: NewRecord) -> StoreSQL {
        let submission = record.submission
        return """
            (\(record.app), \(submission.idempotencyKey), \(submission.entitlementID.rawValue), \(submission.metric), \
            \(record.labels), \(submission.quantity), \(submission.time), \(submission.timeGiven), \
            \(record.windowStart), \(record.at))
            """
    }

    /// Adds records to aggregates' unsealed totals, in halves as `UsageSum` reads them: one row per
    /// aggregate (an upsert may not touch a row twice).
    static func addToTotals(_ added: some Collection<(UsageIntakePlan.Aggregate, [Int64])>) -> StoreSQL {
        let rows = added.map { key, quantities -> StoreSQL in
            let (high, low) = UsageSum.halves(of: quantities)
            return """
                (\(key.entitlementID.rawValue), \(key.metric), \(key.labels), \(key.windowStart), \(high), \(low), \
                \(quantities.count))
                """
        }
        return """
            INSERT INTO usage_unsealed (entitlement_id, metric, labels, window_start, high_sum, low_sum, records)
            VALUES \(StoreSQL(joining: rows, separator: ", "))
            ON CONFLICT (entitlement_id, metric, labels, window_start) DO UPDATE SET \(addExcluded)
            """
    }

    /// An upsert's `SET`: the new halves and count added to the stored ones.
    static let addExcluded: StoreSQL = """
        high_sum = usage_unsealed.high_sum + excluded.high_sum, low_sum = usage_unsealed.low_sum + excluded.low_sum,
            records = usage_unsealed.records + excluded.records
        """

    /// The totals of the records unsealed when the table was added (both stores' upgrade to it; a
    /// migration's text, so it does not change).
    static let fillUnsealed = """
        INSERT INTO usage_unsealed (entitlement_id, metric, labels, window_start, high_sum, low_sum, records)
        SELECT entitlement_id, metric, labels, window_start, CAST(SUM(quantity >> 32) AS BIGINT),
            CAST(SUM(quantity & 4294967295) AS BIGINT), COUNT(*)
        FROM usage_record WHERE operation_id IS NULL GROUP BY entitlement_id, metric, labels, window_start
        """

    static let withUnsealedUsage: StoreSQL = "SELECT DISTINCT entitlement_id FROM usage_unsealed"

    /// Unsealed usage per entitlement × metric × labels × window. An aggregate past `Int64.max`
    /// (records kept by a version that did not check) is shown as overflowing, not refused: one
    /// entitlement's bad records must not hide everyone's usage.
    static func unsealed(_ entitlement: EntitlementID?) -> StoreSQL {
        """
        SELECT entitlement_id, metric, labels, window_start, high_sum, low_sum, records FROM usage_unsealed
        WHERE (CAST(\(entitlement?.rawValue) AS TEXT) IS NULL OR entitlement_id = \(entitlement?.rawValue))
        ORDER BY window_start, entitlement_id\(StoreSQL.bytewise), metric, labels
        """
    }

    static func aggregate(_ row: any StoreRow) throws -> UsageAggregate {
        let sum = try UsageSum(row)
        return UsageAggregate(
            entitlementID: try EntitlementID(row.get("entitlement_id", as: String.self)),
            metric: try row.get("metric"),
            labels: try row.json("labels"),
            windowStart: try row.time("window_start"),
            quantity: sum.total ?? Int64.max,
            records: try row.get("records"),
            overflows: sum.total == nil
        )
    }
}

/// A sum of usage quantities that says when it overflows, kept alike by both stores: SQLite's
/// `SUM` fails the statement on overflow and PostgreSQL's turns into `numeric`, so each record is
/// summed in two halves (its high and low 32 bits) that cannot overflow for 2³¹ records, and the
/// halves are put together here with the overflow checked. `usage_unsealed` keeps the halves.
struct UsageSum {
    /// The halves of the records `from` selects, for an `INSERT … SELECT` into `usage_unsealed`.
    static let columns: StoreSQL = """
        CAST(COALESCE(SUM(quantity >> 32), 0) AS BIGINT) AS high_sum,
        CAST(COALESCE(SUM(quantity & 4294967295), 0) AS BIGINT) AS low_sum
        """

    /// Nil when past `Int64.max`.
    var total: Int64?

    /// The halves of `quantities` as `columns` sums them in SQL, summed in Swift.
    static func halves(of quantities: [Int64]) -> (high: Int64, low: Int64) {
        quantities.reduce((Int64(0), Int64(0))) { ($0.0 + ($1 >> 32), $0.1 + ($1 & 0xFFFF_FFFF)) }
    }

    init(_ row: any StoreRow) throws {
        let high: Int64 = try row.get("high_sum")
        let low: Int64 = try row.get("low_sum")
        let (shifted, overflow) = high.multipliedReportingOverflow(by: 1 << 32)
        let (sum, carry) = shifted.addingReportingOverflow(low)
        total = overflow || carry ? nil : sum
    }
}

/// A record as stored, compared with one sent again under its idempotency key.
struct StoredUsage {
    var entitlementID: String
    var metric: String
    var labels: String
    var quantity: Int64
    var usageTime: Int64
    var timeGiven: Bool
    var window: Timestamp

    init(_ row: any StoreRow) throws {
        entitlementID = try row.get("entitlement_id")
        metric = try row.get("metric")
        labels = try row.get("labels")
        quantity = try row.get("quantity")
        usageTime = try row.get("usage_time")
        timeGiven = try row.get("time_given")
        window = try row.time("window_start")
    }

    init(_ submission: UsageSubmission, labels: String, window: UsageWindow) {
        entitlementID = submission.entitlementID.rawValue
        metric = submission.metric
        self.labels = labels
        quantity = submission.quantity
        usageTime = submission.time.micros
        timeGiven = submission.timeGiven
        self.window = window.start
    }

    /// The same record: what the key was first sent with (times compared at the stored precision).
    /// A record sent without a time was stamped on receipt: its resend, also without one, is the
    /// same record whenever it arrives.
    func isSame(as submission: UsageSubmission, labels: String) -> Bool {
        let sameTime = timeGiven == submission.timeGiven && (!timeGiven || usageTime == submission.time.micros)
        return entitlementID == submission.entitlementID.rawValue && metric == submission.metric
            && self.labels == labels
            && quantity == submission.quantity && sameTime
    }
}
