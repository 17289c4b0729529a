import Foundation
import GRDB
public import MarketplaceCore

/// Usage as the app sends it: records, idempotency, and what is not sealed yet.
extension SQLiteStore {
    public func recordUsage(_ submissions: [UsageSubmission], app: String, windowLength: Int64, at: Timestamp) async throws -> [UsageAcceptance] {
        try await pool.write { db in
            var results: [UsageAcceptance] = []
            var conflicts: [String] = []
            var overflows: [Int: String] = [:]
            var sealed: [EntitlementID: Timestamp?] = [:]
            // Unsealed sum per entitlement × metric × labels × window, nil when it already overflowed.
            var sums: [String: Int64?] = [:]
            for (index, submission) in submissions.enumerated() {
                let labels = try Self.encode(submission.labels)
                if let row = try Self.recordedUsage(submission, app: app, db) {
                    if try Self.isSame(row, submission) {
                        let start = Timestamp(micros: row["window_start"])
                        results.append(.duplicate(window: UsageWindow(start: start, end: start.adding(seconds: windowLength))))
                    } else {
                        conflicts.append(submission.idempotencyKey)
                    }
                    continue
                }
                if sealed[submission.entitlementID] == nil {
                    sealed[submission.entitlementID] = try Int64.fetchOne(
                        db,
                        sql: "SELECT sealed_until FROM usage_cursor WHERE entitlement_id = ?",
                        arguments: [submission.entitlementID.rawValue]
                    ).map(Timestamp.init(micros:))
                }
                let window = UsageWindow.assigned(submission.time, sealedUntil: sealed[submission.entitlementID] ?? nil, length: windowLength)
                let key = [submission.entitlementID.rawValue, submission.metric, labels, "\(window.start.micros)"].joined(separator: "\u{0}")
                if sums[key] == nil {
                    sums[key] = try Self.unsealedSum(submission.entitlementID, submission.metric, labels, window.start, db)
                }
                // The sealed operation is this sum: a record that would overflow it is refused now,
                // never found at sealing, when nothing could be done about it.
                guard let sum = sums[key] ?? nil, case let (total, false) = sum.addingReportingOverflow(submission.quantity) else {
                    overflows[index] =
                        "quantity \(submission.quantity) would take the \(submission.metric) total of window \(window) past \(Int64.max)"
                    continue
                }
                sums[key] = total
                try db.execute(
                    sql: """
                        INSERT INTO usage_record (app, idempotency_key, entitlement_id, metric, labels, quantity, usage_time, time_given, window_start, accepted_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        app, submission.idempotencyKey, submission.entitlementID.rawValue, submission.metric, labels, submission.quantity,
                        submission.time.micros, submission.timeGiven, window.start.micros, at.micros,
                    ]
                )
                results.append(.accepted(window: window))
            }
            // Nothing of the batch is kept: the app sees which keys clash and sends it again.
            if !conflicts.isEmpty { throw UsageConflict(idempotencyKeys: conflicts) }
            if !overflows.isEmpty { throw UsageOverflow(problems: overflows) }
            return results
        }
    }

    /// The unsealed total of one aggregate; nil when it is past `Int64.max` already (records kept
    /// by a version that did not check), where SQLite's `SUM` fails.
    static func unsealedSum(_ entitlement: EntitlementID, _ metric: String, _ labels: String, _ start: Timestamp, _ db: Database) throws -> Int64? {
        do {
            return try Int64.fetchOne(
                db,
                sql: """
                    SELECT COALESCE(SUM(quantity), 0) FROM usage_record
                    WHERE operation_id IS NULL AND entitlement_id = ? AND metric = ? AND labels = ? AND window_start = ?
                    """,
                arguments: [entitlement.rawValue, metric, labels, start.micros]
            ) ?? 0
        } catch let error as DatabaseError where error.message?.contains("integer overflow") == true {
            return nil
        }
    }

    public func duplicateUsageKeys(_ submissions: [UsageSubmission], app: String) async throws -> Set<String> {
        try await pool.read { db in
            var keys: Set<String> = []
            for submission in submissions {
                if let row = try Self.recordedUsage(submission, app: app, db), try Self.isSame(row, submission) {
                    keys.insert(submission.idempotencyKey)
                }
            }
            return keys
        }
    }

    static func recordedUsage(_ submission: UsageSubmission, app: String, _ db: Database) throws -> Row? {
        try Row.fetchOne(db, sql: "SELECT * FROM usage_record WHERE app = ? AND idempotency_key = ?", arguments: [app, submission.idempotencyKey])
    }

    /// The same record: what the key was first sent with (times compared at the stored precision).
    /// A record sent without a time was stamped on receipt: its resend, also without one, is the
    /// same record whenever it arrives.
    static func isSame(_ row: Row, _ submission: UsageSubmission) throws -> Bool {
        let labels = try encode(submission.labels)
        let timeGiven: Bool = row["time_given"]
        let sameTime = timeGiven == submission.timeGiven && (!timeGiven || row["usage_time"] == submission.time.micros)
        return row["entitlement_id"] == submission.entitlementID.rawValue && row["metric"] == submission.metric && row["labels"] == labels
            && row["quantity"] == submission.quantity && sameTime
    }

    public func usageCursor(_ id: EntitlementID) async throws -> UsageCursor? {
        try await pool.read { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM usage_cursor WHERE entitlement_id = ?"), arguments: [id.rawValue]).map(
                Self.usageCursor
            )
        }
    }

    public func entitlementsWithUnsealedUsage() async throws -> [EntitlementID] {
        try await pool.read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT entitlement_id FROM usage_record WHERE operation_id IS NULL").map { try EntitlementID($0) }
        }
    }

    /// Summed in Swift, not by SQLite's `SUM`, which fails the whole statement on one overflowing
    /// group: one entitlement's bad records must not hide everyone's usage.
    public func unsealedUsage(entitlement: EntitlementID?) async throws -> [UsageAggregate] {
        try await pool.read { db in
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT entitlement_id, metric, labels, window_start, quantity FROM usage_record
                    WHERE operation_id IS NULL AND (? IS NULL OR entitlement_id = ?)
                    ORDER BY window_start, entitlement_id, metric, labels
                    """,
                arguments: [entitlement?.rawValue, entitlement?.rawValue]
            )
            var aggregates: [UsageAggregate] = []
            while let row = try rows.next() {
                let (id, metric, labels, start): (String, String, String, Int64) = (
                    row["entitlement_id"], row["metric"], row["labels"], row["window_start"]
                )
                let quantity: Int64 = row["quantity"]
                if var last = aggregates.last, last.entitlementID.rawValue == id, last.metric == metric, last.windowStart.micros == start,
                    try Self.encode(last.labels) == labels
                {
                    let (sum, overflow) = last.quantity.addingReportingOverflow(quantity)
                    last.overflows = last.overflows || overflow
                    last.quantity = last.overflows ? Int64.max : sum
                    last.records += 1
                    aggregates[aggregates.count - 1] = last
                } else {
                    aggregates.append(
                        UsageAggregate(
                            entitlementID: try EntitlementID(id),
                            metric: metric,
                            labels: try Self.decode(labels),
                            windowStart: Timestamp(micros: start),
                            quantity: quantity,
                            records: 1
                        )
                    )
                }
            }
            return aggregates
        }
    }
}
