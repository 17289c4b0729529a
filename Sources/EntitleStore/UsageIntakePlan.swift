import Foundation
import MarketplaceCore

/// How a batch of usage records is taken in, the same for every store (`StorePlan`): each record is
/// looked up by its idempotency key (a resend is a duplicate, the same key with other content a
/// conflict), judged by the intake's rules against its entitlement and cursor as they stand in
/// this transaction (`UsageIntakeRules`), put in its window (the first open one when its own is
/// sealed), and refused when it would take its window's unsealed total past `Int64.max` — the
/// sealed operation is that sum, and an overflow found at sealing could no longer be fixed. A
/// refusal, a conflict or an overflow refuses the whole batch: nothing of it is kept, and the app
/// sees which records to fix.
struct UsageIntakePlan: StorePlan {
    /// One window's unsealed total: entitlement × metric × labels × window.
    struct Aggregate: Hashable {
        var entitlementID: EntitlementID
        var metric: String
        var labels: String
        var windowStart: Timestamp
    }

    private let submissions: [UsageSubmission]
    private let labels: [String]
    private let app: String
    private let windowLength: Int64
    private let at: Timestamp
    private let rules: UsageIntakeRules?
    private let decoded: DecodedRecords<LocalEntitlement>
    /// The batch's entitlements, in id order.
    private let entitlements: [EntitlementID]
    /// The entitlements' usage locks, taken first (sealing takes the same ones) and in one order
    /// everywhere, so that two batches never wait on each other's (PostgreSQL; SQLite's one writer
    /// skips them).
    private let locks: [StoreSQL]
    private var stage = 0
    /// What each record's key already holds: stored, or sent earlier in this batch.
    private var stored: [StoredUsage?] = []
    /// How many statements of the first read look records up, and cursors (the entitlements follow).
    private var reads = (records: 0, cursors: 0)
    private var sealedUntil: [EntitlementID: Timestamp] = [:]
    private var windows: [Int: UsageWindow] = [:]
    private var aggregates: [Aggregate] = []

    init(
        _ submissions: [UsageSubmission],
        app: String,
        windowLength: Int64,
        at: Timestamp,
        rules: UsageIntakeRules?,
        decoded: DecodedRecords<LocalEntitlement>
    ) throws {
        self.submissions = submissions
        self.rules = rules
        self.decoded = decoded
        labels = try submissions.map { try StoreJSON.encode($0.labels) }
        self.app = app
        self.windowLength = windowLength
        self.at = at
        entitlements = Set(submissions.map(\.entitlementID)).sorted { $0.rawValue < $1.rawValue }
        locks = entitlements.map { StoreSQL.lock("usage:\($0.rawValue)") }
    }

    mutating func next(_ answers: [[any StoreRow]]) throws -> StorePlanStep<[UsageAcceptance]> {
        stage += 1
        switch stage {
        case 1:
            let keys = StoreSQL.slices(Array(Set(submissions.map(\.idempotencyKey))))
            let ids = StoreSQL.slices(entitlements)
            reads = (keys.count, ids.count)
            return .read(
                locks + keys.map { UsageIntakeSQL.records(app: app, idempotencyKeys: $0) }
                    + ids.map(UsageIntakeSQL.cursors) + (rules == nil ? [] : ids.map(UsageIntakeSQL.entitlements))
            )
        case 2:
            let answers = answers.dropFirst(locks.count)
            var found: [String: StoredUsage] = [:]
            for row in answers.prefix(reads.records).joined() {
                found[try row.get("idempotency_key")] = try StoredUsage(row)
            }
            var cursors: [EntitlementID: UsageCursor] = [:]
            for row in answers.dropFirst(reads.records).prefix(reads.cursors).joined() {
                let cursor = try UsageLedgerSQL.usageCursor(row)
                cursors[cursor.entitlementID] = cursor
                sealedUntil[cursor.entitlementID] = cursor.sealedUntil
            }
            if let rules {
                var records: [EntitlementID: LocalEntitlement] = [:]
                for row in answers.dropFirst(reads.records + reads.cursors).joined() {
                    let entitlement = try decoded.record(row.get("id"), text: row.get("record"))
                    records[entitlement.id] = entitlement
                }
                try judge(rules, stored: found, entitlements: records, cursors: cursors)
            }
            stored = submissions.map { found[$0.idempotencyKey] }
            var seen: Set<Aggregate> = []
            for index in newRecords {
                let submission = submissions[index]
                let window = UsageWindow.assigned(
                    submission.time,
                    sealedUntil: sealedUntil[submission.entitlementID],
                    length: windowLength
                )
                windows[index] = window
                let key = Aggregate(
                    entitlementID: submission.entitlementID,
                    metric: submission.metric,
                    labels: labels[index],
                    windowStart: window.start
                )
                if seen.insert(key).inserted { aggregates.append(key) }
            }
            return .read(aggregates.map(UsageIntakeSQL.unsealedTotal))
        default:
            var sums: [Aggregate: Int64?] = [:]
            for (key, rows) in zip(aggregates, answers) {
                // Nil when the stored records already add up past `Int64.max`.
                let total: Int64? = try rows.first.map { try UsageSum($0).total } ?? 0
                sums.updateValue(total, forKey: key)
            }
            return try decide(sums)
        }
    }

    /// Every record but those sent again as first stored (duplicates) goes before the rules.
    private func judge(
        _ rules: UsageIntakeRules,
        stored: [String: StoredUsage],
        entitlements: [EntitlementID: LocalEntitlement],
        cursors: [EntitlementID: UsageCursor]
    ) throws(UsageRefused) {
        var problems: [Int: [String]] = [:]
        for (index, submission) in submissions.enumerated() {
            if let earlier = stored[submission.idempotencyKey], earlier.isSame(as: submission, labels: labels[index]) {
                continue
            }
            let id = submission.entitlementID
            let reasons = rules.check(submission, entitlements[id], cursors[id])
            if !reasons.isEmpty { problems[index] = reasons }
        }
        if !problems.isEmpty || rules.judgeOnly { throw UsageRefused(problems: problems) }
    }

    /// The records whose key is new: not stored, and the first of their key in the batch.
    private var newRecords: [Int] {
        var keys: Set<String> = []
        return submissions.indices.filter { stored[$0] == nil && keys.insert(submissions[$0].idempotencyKey).inserted }
    }

    private func decide(_ unsealed: [Aggregate: Int64?]) throws -> StorePlanStep<[UsageAcceptance]> {
        var sums = unsealed
        var results: [UsageAcceptance] = []
        var rows: [StoreSQL] = []
        var added: [Aggregate: [Int64]] = [:]
        var conflicts: [String] = []
        var overflows: [Int: String] = [:]
        var sent: [String: StoredUsage] = [:]
        for (index, submission) in submissions.enumerated() {
            if let earlier = stored[index] ?? sent[submission.idempotencyKey] {
                if earlier.isSame(as: submission, labels: labels[index]) {
                    results.append(
                        .duplicate(
                            window: UsageWindow(
                                start: earlier.window,
                                end: earlier.window.adding(seconds: windowLength)
                            )
                        )
                    )
                } else {
                    conflicts.append(submission.idempotencyKey)
                }
                continue
            }
            guard let window = windows[index] else { continue }
            sent[submission.idempotencyKey] = StoredUsage(submission, labels: labels[index], window: window)
            let key = Aggregate(
                entitlementID: submission.entitlementID,
                metric: submission.metric,
                labels: labels[index],
                windowStart: window.start
            )
            guard let sum = sums[key] ?? nil, case let (total, false) = sum.addingReportingOverflow(submission.quantity)
            else {
                overflows[index] = """
                    quantity \(submission.quantity) would take the \(submission.metric) total of window \(window) \
                    past \(Int64.max)
                    """
                continue
            }
            sums[key] = total
            added[key, default: []].append(submission.quantity)
            rows.append(UsageIntakeSQL.row(submission, labels: labels[index], app: app, window: window, at: at))
            results.append(.accepted(window: window))
        }
        if !conflicts.isEmpty { throw UsageConflict(idempotencyKeys: conflicts) }
        if !overflows.isEmpty { throw UsageOverflow(problems: overflows) }
        let totals = aggregates.compactMap { key in added[key].map { UsageIntakeSQL.addToTotal(key, quantities: $0) } }
        return .write(StoreSQL.slices(rows).map(UsageIntakeSQL.insert) + totals, results)
    }
}
