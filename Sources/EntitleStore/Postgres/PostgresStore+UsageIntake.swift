import Foundation
public import MarketplaceCore
import PostgresNIO

/// Usage as the app sends it. Intake and sealing of one entitlement take turns on its lock, so a
/// record is never put into a window another replica's pass is sealing.
extension PostgresStore {
    public func recordUsage(_ submissions: [UsageSubmission], app: String, windowLength: Int64, at: Timestamp) async throws -> [UsageAcceptance] {
        try await write { connection in
            // In one order everywhere, so two batches never wait on each other's locks.
            for id in Set(submissions.map(\.entitlementID.rawValue)).sorted() { try await lock("usage:\(id)", on: connection) }
            var results: [UsageAcceptance] = []
            var conflicts: [String] = []
            var overflows: [Int: String] = [:]
            var sealed: [EntitlementID: Timestamp?] = [:]
            var sums: [String: Int64?] = [:]
            for (index, submission) in submissions.enumerated() {
                let labels = try StoreJSON.encode(submission.labels)
                if let row = try await recordedUsage(submission, app: app, on: connection) {
                    if try Self.isSame(row, submission) {
                        let start = Timestamp(micros: try row.get("window_start"))
                        results.append(.duplicate(window: UsageWindow(start: start, end: start.adding(seconds: windowLength))))
                    } else {
                        conflicts.append(submission.idempotencyKey)
                    }
                    continue
                }
                if sealed[submission.entitlementID] == nil {
                    sealed[submission.entitlementID] = try await rows(
                        "SELECT sealed_until FROM usage_cursor WHERE entitlement_id = \(submission.entitlementID.rawValue)",
                        on: connection
                    ).first.map { Timestamp(micros: try $0.get("sealed_until")) }
                }
                let window = UsageWindow.assigned(submission.time, sealedUntil: sealed[submission.entitlementID] ?? nil, length: windowLength)
                let key = [submission.entitlementID.rawValue, submission.metric, labels, "\(window.start.micros)"].joined(separator: "\u{0}")
                if sums[key] == nil {
                    // PostgreSQL sums bigints as numeric: a sum past Int64.max does not fit, and says so.
                    let text =
                        try await rows(
                            """
                            SELECT COALESCE(SUM(quantity), 0)::TEXT AS total FROM usage_record WHERE operation_id IS NULL
                                AND entitlement_id = \(submission.entitlementID.rawValue) AND metric = \(submission.metric) AND labels = \(labels)
                                AND window_start = \(window.start.micros)
                            """,
                            on: connection
                        ).first.map { try $0.get("total", as: String.self) } ?? "0"
                    sums[key] = Int64(text)
                }
                // The sealed operation is this sum: a record that would overflow it is refused now.
                guard let sum = sums[key] ?? nil, case let (total, false) = sum.addingReportingOverflow(submission.quantity) else {
                    overflows[index] =
                        "quantity \(submission.quantity) would take the \(submission.metric) total of window \(window) past \(Int64.max)"
                    continue
                }
                sums[key] = total
                try await execute(
                    """
                    INSERT INTO usage_record (app, idempotency_key, entitlement_id, metric, labels, quantity, usage_time, time_given, window_start, accepted_at)
                    VALUES (\(app), \(submission.idempotencyKey), \(submission.entitlementID.rawValue), \(submission.metric), \(labels),
                        \(submission.quantity), \(submission.time.micros), \(submission.timeGiven), \(window.start.micros), \(at.micros))
                    """,
                    on: connection
                )
                results.append(.accepted(window: window))
            }
            if !conflicts.isEmpty { throw UsageConflict(idempotencyKeys: conflicts) }
            if !overflows.isEmpty { throw UsageOverflow(problems: overflows) }
            return results
        }
    }

    public func duplicateUsageKeys(_ submissions: [UsageSubmission], app: String) async throws -> Set<String> {
        try await read { connection in
            var keys: Set<String> = []
            for submission in submissions {
                if let row = try await recordedUsage(submission, app: app, on: connection), try Self.isSame(row, submission) {
                    keys.insert(submission.idempotencyKey)
                }
            }
            return keys
        }
    }

    func recordedUsage(_ submission: UsageSubmission, app: String, on connection: PostgresConnection) async throws -> PGRow? {
        try await rows("SELECT * FROM usage_record WHERE app = \(app) AND idempotency_key = \(submission.idempotencyKey)", on: connection).first
    }

    /// The same record: what the key was first sent with (see `SQLiteStore.isSame`).
    static func isSame(_ row: PGRow, _ submission: UsageSubmission) throws -> Bool {
        let timeGiven: Bool = try row.get("time_given")
        let usageTime: Int64 = try row.get("usage_time")
        let (entitlement, metric, labels, quantity): (String, String, String, Int64) = (
            try row.get("entitlement_id"), try row.get("metric"), try row.get("labels"), try row.get("quantity")
        )
        let sameTime = timeGiven == submission.timeGiven && (!timeGiven || usageTime == submission.time.micros)
        let sameLabels = labels == (try StoreJSON.encode(submission.labels))
        return entitlement == submission.entitlementID.rawValue && metric == submission.metric && sameLabels && quantity == submission.quantity
            && sameTime
    }

    public func usageCursor(_ id: EntitlementID) async throws -> UsageCursor? {
        try await read { connection in
            try await rows("SELECT * FROM usage_cursor WHERE entitlement_id = \(id.rawValue)", on: connection).first.map(Self.usageCursor)
        }
    }

    public func entitlementsWithUnsealedUsage() async throws -> [EntitlementID] {
        try await read { connection in
            try await rows("SELECT DISTINCT entitlement_id FROM usage_record WHERE operation_id IS NULL", on: connection).map {
                try EntitlementID($0.get("entitlement_id", as: String.self))
            }
        }
    }

    public func unsealedUsage(entitlement: EntitlementID?) async throws -> [UsageAggregate] {
        try await read { connection in
            // Summed as numeric: an aggregate past Int64.max is reported as overflowing, not refused.
            try await rows(
                """
                SELECT entitlement_id, metric, labels, window_start, SUM(quantity)::TEXT AS total, COUNT(*) AS records FROM usage_record
                WHERE operation_id IS NULL AND (\(entitlement?.rawValue)::TEXT IS NULL OR entitlement_id = \(entitlement?.rawValue))
                GROUP BY entitlement_id, metric, labels, window_start ORDER BY window_start, entitlement_id, metric, labels
                """,
                on: connection
            ).map { row in
                let sum = Int64(try row.get("total", as: String.self))
                return UsageAggregate(
                    entitlementID: try EntitlementID(row.get("entitlement_id", as: String.self)),
                    metric: try row.get("metric"),
                    labels: try StoreJSON.decode(row.get("labels")),
                    windowStart: Timestamp(micros: try row.get("window_start")),
                    quantity: sum ?? Int64.max,
                    records: Int(try row.get("records", as: Int64.self)),
                    overflows: sum == nil
                )
            }
        }
    }
}
