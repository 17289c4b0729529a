import Foundation
import MarketplaceCore

/// Usage as the app sends it: stored records, open windows' sums, and what is not sealed yet.
enum UsageIntakeSQL {
    static func record(app: String, idempotencyKey: String) -> StoreSQL {
        "SELECT * FROM usage_record WHERE app = \(app) AND idempotency_key = \(idempotencyKey)"
    }

    static func sealedUntil(_ id: EntitlementID) -> StoreSQL {
        "SELECT sealed_until FROM usage_cursor WHERE entitlement_id = \(id.rawValue)"
    }

    /// An aggregate's unsealed total, as two halves (`UsageSum`).
    static func unsealedSum(_ key: UsageIntakePlan.Aggregate) -> StoreSQL {
        """
        SELECT \(UsageSum.columns) FROM usage_record
        WHERE operation_id IS NULL AND entitlement_id = \(key.entitlementID.rawValue) AND metric = \(key.metric)
            AND labels = \(key.labels) AND window_start = \(key.windowStart)
        """
    }

    static func insert(
        _ submission: UsageSubmission,
        labels: String,
        app: String,
        window: UsageWindow,
        at: Timestamp
    ) -> StoreSQL {
        """
        INSERT INTO usage_record (
            app, idempotency_key, entitlement_id, metric, labels, quantity, usage_time, time_given, window_start,
            accepted_at
        )
        VALUES (\(app), \(submission.idempotencyKey), \(submission.entitlementID.rawValue), \(submission.metric),
            \(labels), \(submission.quantity), \(submission.time), \(submission.timeGiven), \(window.start), \(at))
        """
    }

    static let withUnsealedUsage: StoreSQL =
        "SELECT DISTINCT entitlement_id FROM usage_record WHERE operation_id IS NULL"

    /// Unsealed usage per entitlement × metric × labels × window. An aggregate past `Int64.max`
    /// (records kept by a version that did not check) is shown as overflowing, not refused: one
    /// entitlement's bad records must not hide everyone's usage.
    static func unsealed(_ entitlement: EntitlementID?) -> StoreSQL {
        """
        SELECT entitlement_id, metric, labels, window_start, \(UsageSum.columns), COUNT(*) AS records FROM usage_record
        WHERE operation_id IS NULL
            AND (CAST(\(entitlement?.rawValue) AS TEXT) IS NULL OR entitlement_id = \(entitlement?.rawValue))
        GROUP BY entitlement_id, metric, labels, window_start
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

/// A sum of usage quantities that says when it overflows, computed alike by both stores: SQLite's
/// `SUM` fails the statement on overflow and PostgreSQL's turns into `numeric`, so each record is
/// summed in two halves (its high and low 32 bits) that cannot overflow for 2³¹ records, and the
/// halves are put together here with the overflow checked.
struct UsageSum {
    static let columns: StoreSQL = """
        CAST(COALESCE(SUM(quantity >> 32), 0) AS BIGINT) AS high_sum,
        CAST(COALESCE(SUM(quantity & 4294967295), 0) AS BIGINT) AS low_sum
        """

    /// Nil when past `Int64.max`.
    var total: Int64?

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
