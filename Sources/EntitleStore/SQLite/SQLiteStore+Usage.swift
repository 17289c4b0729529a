import Foundation
import GRDB
public import MarketplaceCore

extension SQLiteStore {
    public func recordUsage(_ submissions: [UsageSubmission], app: String, windowLength: Int64, at: Timestamp) async throws -> [UsageAcceptance] {
        try await pool.write { db in
            var results: [UsageAcceptance] = []
            var conflicts: [String] = []
            var sealed: [EntitlementID: Timestamp?] = [:]
            for submission in submissions {
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
                try db.execute(
                    sql: """
                        INSERT INTO usage_record (app, idempotency_key, entitlement_id, metric, labels, quantity, usage_time, window_start, accepted_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        app, submission.idempotencyKey, submission.entitlementID.rawValue, submission.metric, labels, submission.quantity,
                        submission.time.micros, window.start.micros, at.micros,
                    ]
                )
                results.append(.accepted(window: window))
            }
            // Nothing of the batch is kept: the app sees which keys clash and sends it again.
            if !conflicts.isEmpty { throw UsageConflict(idempotencyKeys: conflicts) }
            return results
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
    static func isSame(_ row: Row, _ submission: UsageSubmission) throws -> Bool {
        let labels = try encode(submission.labels)
        return row["entitlement_id"] == submission.entitlementID.rawValue && row["metric"] == submission.metric && row["labels"] == labels
            && row["quantity"] == submission.quantity && row["usage_time"] == submission.time.micros
    }

    public func usageCursor(_ id: EntitlementID) async throws -> UsageCursor? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM usage_cursor WHERE entitlement_id = ?", arguments: [id.rawValue]).map(Self.usageCursor)
        }
    }

    public func entitlementsWithUnsealedUsage() async throws -> [EntitlementID] {
        try await pool.read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT entitlement_id FROM usage_record WHERE operation_id IS NULL").map { try EntitlementID($0) }
        }
    }

    public func unsealedUsage(entitlement: EntitlementID?) async throws -> [UsageAggregate] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT entitlement_id, metric, labels, window_start, SUM(quantity) AS quantity, COUNT(*) AS records FROM usage_record
                    WHERE operation_id IS NULL AND (? IS NULL OR entitlement_id = ?)
                    GROUP BY entitlement_id, metric, labels, window_start ORDER BY window_start, entitlement_id, metric, labels
                    """,
                arguments: [entitlement?.rawValue, entitlement?.rawValue]
            ).map { row in
                UsageAggregate(
                    entitlementID: try EntitlementID(row["entitlement_id"]),
                    metric: row["metric"],
                    labels: try Self.decode(row["labels"]),
                    windowStart: Timestamp(micros: row["window_start"]),
                    quantity: row["quantity"],
                    records: row["records"]
                )
            }
        }
    }

    public func sealUsage(_ sealing: UsageSealing, at: Timestamp) async throws -> [UsageOperationRecord] {
        let length = sealing.windowLength * 1_000_000
        return try await pool.write { db in
            // Closed windows of every entitlement; every window of a final one.
            var groups = try Row.fetchAll(
                db,
                sql: """
                    SELECT entitlement_id, metric, labels, window_start, SUM(quantity) AS quantity FROM usage_record
                    WHERE operation_id IS NULL AND window_start + ? <= ?
                    GROUP BY entitlement_id, metric, labels, window_start
                    """,
                arguments: [length, sealing.cutoff.micros]
            )
            for id in sealing.finals.keys {
                groups += try Row.fetchAll(
                    db,
                    sql: """
                        SELECT entitlement_id, metric, labels, window_start, SUM(quantity) AS quantity FROM usage_record
                        WHERE operation_id IS NULL AND entitlement_id = ? AND window_start + ? > ?
                        GROUP BY entitlement_id, metric, labels, window_start
                        """,
                    arguments: [id.rawValue, length, sealing.cutoff.micros]
                )
            }
            // One operation per entitlement × metric × labels × window; a final entitlement's
            // windows past its cancellation fold into one at the cancellation.
            struct Key: Hashable {
                var entitlement: EntitlementID
                var metric: String
                var labels: String
                var window: UsageWindow
            }
            var sums: [Key: (quantity: Int64, starts: [Int64])] = [:]
            var sealedUntil: [EntitlementID: Int64] = [:]
            for row in groups {
                let entitlement = try EntitlementID(row["entitlement_id"])
                let start: Int64 = row["window_start"]
                var window = UsageWindow(start: Timestamp(micros: start), end: Timestamp(micros: start + length))
                if let final = sealing.finals[entitlement] {
                    // Google bills nothing after the cancellation (contract §5): the last window
                    // ends there, and late usage moved past it is reported at the cancellation.
                    window.end = min(window.end, final)
                    window.start = min(window.start, window.end)
                }
                let key = Key(entitlement: entitlement, metric: row["metric"], labels: row["labels"], window: window)
                sums[key, default: (0, [])].quantity += row["quantity"] as Int64
                sums[key, default: (0, [])].starts.append(start)
                sealedUntil[entitlement] = max(sealedUntil[entitlement] ?? 0, start + length)
            }
            var written: [UsageOperationRecord] = []
            for (key, sum) in sums.sorted(by: {
                ($0.key.window.start, $0.key.entitlement.rawValue, $0.key.metric) < ($1.key.window.start, $1.key.entitlement.rawValue, $1.key.metric)
            }) {
                let id = sealing.operationID(key.entitlement, key.metric, key.labels, key.window.start)
                let operation = UsageOperationRecord(
                    id: id,
                    entitlementID: key.entitlement,
                    metric: key.metric,
                    labels: try Self.decode(key.labels),
                    window: key.window,
                    quantity: sum.quantity,
                    status: .pending,
                    createdAt: at,
                    updatedAt: at
                )
                try db.execute(
                    sql: """
                        INSERT INTO usage_operation (id, entitlement_id, metric, labels, window_start, window_end, quantity, status, created_at, updated_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)
                        """,
                    arguments: [
                        id, key.entitlement.rawValue, key.metric, key.labels, key.window.start.micros, key.window.end.micros, sum.quantity, at.micros,
                        at.micros,
                    ]
                )
                for start in sum.starts {
                    try db.execute(
                        sql: """
                            UPDATE usage_record SET operation_id = ?
                            WHERE operation_id IS NULL AND entitlement_id = ? AND metric = ? AND labels = ? AND window_start = ?
                            """,
                        arguments: [id, key.entitlement.rawValue, key.metric, key.labels, start]
                    )
                }
                written.append(operation)
            }
            for id in Set(sealedUntil.keys).union(sealing.finals.keys) {
                let until = max(sealedUntil[id] ?? 0, UsageWindow.containing(sealing.cutoff, length: sealing.windowLength).start.micros)
                try db.execute(
                    sql: """
                        INSERT INTO usage_cursor (entitlement_id, sealed_until, final) VALUES (?, ?, ?)
                        ON CONFLICT (entitlement_id) DO UPDATE SET sealed_until = MAX(sealed_until, excluded.sealed_until), final = MAX(final, excluded.final)
                        """,
                    arguments: [id.rawValue, until, sealing.finals[id] == nil ? 0 : 1]
                )
            }
            return written
        }
    }

    public func usageOperations(
        statuses: [UsageOperationRecord.Status],
        entitlement: EntitlementID?,
        limit: Int
    ) async throws -> [UsageOperationRecord] {
        let wanted = statuses.isEmpty ? UsageOperationRecord.Status.allCases : statuses
        let marks = wanted.map { _ in "?" }.joined(separator: ", ")
        return try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM usage_operation WHERE status IN (\(marks)) AND (? IS NULL OR entitlement_id = ?)
                    ORDER BY window_start, entitlement_id, metric, labels LIMIT ?
                    """,
                arguments: StatementArguments(wanted.map(\.rawValue)) + [entitlement?.rawValue, entitlement?.rawValue, limit]
            ).map(Self.usageOperation)
        }
    }

    public func usageOperation(id: String) async throws -> UsageOperationRecord? {
        try await pool.read { db in try Row.fetchOne(db, sql: "SELECT * FROM usage_operation WHERE id = ?", arguments: [id]).map(Self.usageOperation)
        }
    }

    public func updateUsageOperations(_ updates: [UsageOperationUpdate], at: Timestamp) async throws {
        try await pool.write { db in
            for update in updates {
                try db.execute(
                    sql: """
                        UPDATE usage_operation SET status = ?, last_error = ?, attempts = attempts + ?, updated_at = ?,
                            reported_at = CASE WHEN ? = 'reported' THEN ? ELSE reported_at END
                        WHERE id = ? AND status != 'reported'
                        """,
                    arguments: [
                        update.status.rawValue, update.error, update.attempted ? 1 : 0, at.micros, update.status.rawValue, at.micros, update.id,
                    ]
                )
                guard update.status == .reported, db.changesCount == 1 else { continue }
                try db.execute(
                    sql: """
                        UPDATE usage_cursor SET reported_until = MAX(COALESCE(reported_until, 0), (SELECT window_end FROM usage_operation WHERE id = ?))
                        WHERE entitlement_id = (SELECT entitlement_id FROM usage_operation WHERE id = ?)
                        """,
                    arguments: [update.id, update.id]
                )
            }
        }
    }

    public func setUsageBlocked(_ id: EntitlementID, reason: String?, at: Timestamp, audit: AuditEntry, callback: OutboxItem?) async throws -> Bool {
        try await pool.write { db in
            let current =
                try String?.fetchOne(db, sql: "SELECT blocked_reason FROM usage_cursor WHERE entitlement_id = ?", arguments: [id.rawValue]) ?? nil
            guard (current == nil) != (reason == nil) else { return false }
            try db.execute(
                sql: "UPDATE usage_cursor SET blocked_reason = ?, blocked_at = ? WHERE entitlement_id = ?",
                arguments: [reason, reason == nil ? nil : at.micros, id.rawValue]
            )
            try Self.insert(audit, db)
            if let callback { try Self.insert(callback, db) }
            return true
        }
    }

    static func usageOperation(_ row: Row) throws -> UsageOperationRecord {
        UsageOperationRecord(
            id: row["id"],
            entitlementID: try EntitlementID(row["entitlement_id"]),
            metric: row["metric"],
            labels: try decode(row["labels"]),
            window: UsageWindow(start: Timestamp(micros: row["window_start"]), end: Timestamp(micros: row["window_end"])),
            quantity: row["quantity"],
            status: UsageOperationRecord.Status(rawValue: row["status"]) ?? .pending,
            attempts: row["attempts"],
            lastError: row["last_error"],
            createdAt: Timestamp(micros: row["created_at"]),
            updatedAt: Timestamp(micros: row["updated_at"]),
            reportedAt: (row["reported_at"] as Int64?).map(Timestamp.init(micros:))
        )
    }

    static func usageCursor(_ row: Row) throws -> UsageCursor {
        UsageCursor(
            entitlementID: try EntitlementID(row["entitlement_id"]),
            sealedUntil: Timestamp(micros: row["sealed_until"]),
            reportedUntil: (row["reported_until"] as Int64?).map(Timestamp.init(micros:)),
            isFinal: row["final"] as Bool,
            blockedReason: row["blocked_reason"],
            blockedAt: (row["blocked_at"] as Int64?).map(Timestamp.init(micros:))
        )
    }
}
