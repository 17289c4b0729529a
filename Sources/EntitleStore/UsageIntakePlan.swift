import Foundation
import MarketplaceCore

/// One call of `Store.recordUsage`: a batch, recorded whole or not at all.
struct UsageIntake: Sendable {
    var submissions: [UsageSubmission]
    var app: String
    var at: Timestamp
    var rules: UsageIntakeRules?
    /// Each record's labels as stored (JSON text).
    var labels: [String]

    init(_ submissions: [UsageSubmission], app: String, at: Timestamp, rules: UsageIntakeRules?) throws {
        self.submissions = submissions
        self.app = app
        self.at = at
        self.rules = rules
        labels = try submissions.map { try StoreJSON.labels($0.labels) }
    }
}

/// How batches of usage records are taken in, the same for every store (`StorePlan`); several
/// batches that arrived together (`UsageIntakeQueue`) share the plan's statements, and each is still
/// decided on its own, in order, as if alone and after the ones before it. Each record is looked up
/// by its idempotency key (a resend is a duplicate, the same key with other content a conflict),
/// judged by the intake's rules against its entitlement and cursor as they stand in this
/// transaction (`UsageIntakeRules`), put in its window (the first open one when its own is sealed),
/// and refused when it would take its window's unsealed total past `Int64.max` — the sealed
/// operation is that sum, and an overflow found at sealing could no longer be fixed. A refusal, a
/// conflict or an overflow refuses its whole batch: nothing of it is kept, the app sees which
/// records to fix, and the other batches of the plan are not touched.
struct UsageIntakePlan: StorePlan {
    /// One window's unsealed total: entitlement × metric × labels × window.
    struct Aggregate: Hashable {
        var entitlementID: EntitlementID
        var metric: String
        var labels: String
        var windowStart: Timestamp
    }

    /// Idempotency keys are per app.
    struct Key: Hashable {
        var app: String
        var idempotencyKey: String
    }

    private let intakes: [UsageIntake]
    private let windowLength: Int64
    private let decoded: DecodedRecords<LocalEntitlement>
    private let lists: ListSlicing
    /// The batches' entitlements, in id order.
    private let entitlements: [EntitlementID]
    /// The entitlements' usage locks, taken first (sealing takes the same ones) and in one order
    /// everywhere, so that two plans never wait on each other's (PostgreSQL; SQLite's one writer
    /// skips them).
    private let locks: [StoreSQL]
    private var stage = 0
    /// The app each records look-up of the first read is for (the cursors and entitlements follow).
    private var recordReads: [String] = []
    private var cursorReads = 0
    /// What each key holds in the store.
    private var stored: [Key: StoredUsage] = [:]
    private var cursors: [EntitlementID: UsageCursor] = [:]
    private var records: [EntitlementID: LocalEntitlement] = [:]
    private var aggregates: [Aggregate] = []

    init(
        _ intakes: [UsageIntake],
        windowLength: Int64,
        decoded: DecodedRecords<LocalEntitlement>,
        slicing: ListSlicing
    ) {
        self.intakes = intakes
        self.windowLength = windowLength
        self.decoded = decoded
        lists = slicing
        entitlements = Set(intakes.lazy.flatMap(\.submissions).map(\.entitlementID)).sorted {
            $0.rawValue < $1.rawValue
        }
        locks = entitlements.isEmpty ? [] : [StoreSQL.locks(entitlements.map { "usage:\($0.rawValue)" })]
    }

    /// One outcome per batch, in order: its records' acceptances, or why it was refused
    /// (`UsageRefused`, `UsageConflict`, `UsageOverflow`).
    mutating func next(
        _ answers: [[any StoreRow]]
    ) throws -> StorePlanStep<[Swift.Result<[UsageAcceptance], any Error>]> {
        stage += 1
        switch stage {
        case 1:
            var keys: [String: Set<String>] = [:]
            for intake in intakes { keys[intake.app, default: []].formUnion(intake.submissions.map(\.idempotencyKey)) }
            var reads: [StoreSQL] = []
            for (app, appKeys) in keys.sorted(by: { $0.key < $1.key }) {
                let appReads = UsageIntakeSQL.records(app: app, keys: Array(appKeys), lists)
                recordReads += Array(repeating: app, count: appReads.count)
                reads += appReads
            }
            let cursorStatements = UsageIntakeSQL.cursors(entitlements, lists)
            cursorReads = cursorStatements.count
            let judging = intakes.contains { $0.rules != nil }
            let entitlementStatements = judging ? UsageIntakeSQL.entitlements(entitlements, lists) : []
            return .read(locks + reads + cursorStatements + entitlementStatements)
        case 2:
            try readStored(answers.dropFirst(locks.count))
            var seen: Set<Aggregate> = []
            for intake in intakes {
                for (index, submission) in intake.submissions.enumerated()
                where stored[Key(app: intake.app, idempotencyKey: submission.idempotencyKey)] == nil {
                    let key = aggregate(submission, labels: intake.labels[index], window: window(submission))
                    if seen.insert(key).inserted { aggregates.append(key) }
                }
            }
            return .read(UsageIntakeSQL.unsealedTotals(aggregates, lists))
        default:
            var sums: [Aggregate: Int64?] = Dictionary(uniqueKeysWithValues: aggregates.map { ($0, 0) })
            for row in answers.joined() {
                // Nil when the stored records already add up past `Int64.max`.
                sums.updateValue(try UsageSum(row).total, forKey: try UsageIntakeSQL.aggregateKey(row))
            }
            var taken = Taken(sums: sums)
            var outcomes: [Swift.Result<[UsageAcceptance], any Error>] = []
            for intake in intakes {
                do {
                    let (results, batch) = try decide(intake, after: taken)
                    taken.keep(batch)
                    outcomes.append(.success(results))
                } catch {
                    outcomes.append(.failure(error))
                }
            }
            let added = aggregates.compactMap { key in taken.added[key].map { (key, $0) } }
            // New rows and the totals they add to: distinct tables.
            return .writeTogether(
                UsageIntakeSQL.insert(taken.rows, lists) + UsageIntakeSQL.addToTotals(added, lists),
                outcomes
            )
        }
    }

    /// The first read's answers, after the locks: records under the keys, cursors, entitlements.
    private mutating func readStored(_ answers: ArraySlice<[any StoreRow]>) throws {
        for (app, rows) in zip(recordReads, answers) {
            for row in rows {
                stored[Key(app: app, idempotencyKey: try row.get("idempotency_key"))] = try StoredUsage(row)
            }
        }
        for row in answers.dropFirst(recordReads.count).prefix(cursorReads).joined() {
            let cursor = try UsageLedgerSQL.usageCursor(row)
            cursors[cursor.entitlementID] = cursor
        }
        for row in answers.dropFirst(recordReads.count + cursorReads).joined() {
            let entitlement = try decoded.record(row.get("id"), text: row.get("record"))
            records[entitlement.id] = entitlement
        }
    }

    /// A new record's total.
    private func aggregate(_ submission: UsageSubmission, labels: String, window: UsageWindow) -> Aggregate {
        Aggregate(
            entitlementID: submission.entitlementID,
            metric: submission.metric,
            labels: labels,
            windowStart: window.start
        )
    }

    private func window(_ submission: UsageSubmission) -> UsageWindow {
        UsageWindow.assigned(
            submission.time,
            sealedUntil: cursors[submission.entitlementID]?.sealedUntil,
            length: windowLength
        )
    }

    /// What the batches decided so far take: kept when a batch is accepted, dropped when refused.
    private struct Taken {
        var sums: [Aggregate: Int64?]
        /// Records accepted by an earlier batch of the plan, by key.
        var sent: [Key: StoredUsage] = [:]
        var added: [Aggregate: [Int64]] = [:]
        var rows: [UsageIntakeSQL.NewRecord] = []

        /// A batch's own takings, after those of the batches before it.
        mutating func keep(_ batch: Taken) {
            sums.merge(batch.sums) { $1 }
            sent.merge(batch.sent) { $1 }
            added.merge(batch.added) { $0 + $1 }
            rows += batch.rows
        }
    }

    /// One batch, after those before it: refused whole (throws), or each record's outcome and what
    /// the batch takes (only its own: copying what the batches before it took, for each batch,
    /// would grow with the square of the plan).
    private func decide(_ intake: UsageIntake, after taken: Taken) throws -> ([UsageAcceptance], Taken) {
        var batch = Taken(sums: [:])
        func earlier(_ submission: UsageSubmission) -> StoredUsage? {
            let key = Key(app: intake.app, idempotencyKey: submission.idempotencyKey)
            return stored[key] ?? batch.sent[key] ?? taken.sent[key]
        }
        if let rules = intake.rules { try judge(intake, rules, earlier) }
        var results: [UsageAcceptance] = []
        var conflicts: [String] = []
        var overflows: [Int: String] = [:]
        for (index, submission) in intake.submissions.enumerated() {
            let labels = intake.labels[index]
            if let earlier = earlier(submission) {
                if earlier.isSame(as: submission, labels: labels) {
                    let window = UsageWindow(start: earlier.window, end: earlier.window.adding(seconds: windowLength))
                    results.append(.duplicate(window: window))
                } else {
                    conflicts.append(submission.idempotencyKey)
                }
                continue
            }
            let window = window(submission)
            let key = aggregate(submission, labels: labels, window: window)
            batch.sent[Key(app: intake.app, idempotencyKey: submission.idempotencyKey)] = StoredUsage(
                submission,
                labels: labels,
                window: window
            )
            let current = batch.sums[key] ?? taken.sums[key]
            guard let sum = current ?? nil,
                case let (total, false) = sum.addingReportingOverflow(submission.quantity)
            else {
                overflows[index] = """
                    quantity \(submission.quantity) would take the \(submission.metric) total of window \(window) \
                    past \(Int64.max)
                    """
                continue
            }
            batch.sums[key] = total
            batch.added[key, default: []].append(submission.quantity)
            batch.rows.append(
                UsageIntakeSQL.NewRecord(
                    app: intake.app,
                    submission: submission,
                    labels: labels,
                    windowStart: window.start,
                    at: intake.at
                )
            )
            results.append(.accepted(window: window))
        }
        if !conflicts.isEmpty { throw UsageConflict(idempotencyKeys: conflicts) }
        if !overflows.isEmpty { throw UsageOverflow(problems: overflows) }
        return (results, batch)
    }

    /// Every record but those sent again as first kept (duplicates) goes before the rules.
    private func judge(
        _ intake: UsageIntake,
        _ rules: UsageIntakeRules,
        _ earlier: (UsageSubmission) -> StoredUsage?
    ) throws(UsageRefused) {
        var problems: [Int: [String]] = [:]
        for (index, submission) in intake.submissions.enumerated() {
            if let earlier = earlier(submission), earlier.isSame(as: submission, labels: intake.labels[index]) {
                continue
            }
            let id = submission.entitlementID
            let reasons = rules.check(submission, records[id], cursors[id])
            if !reasons.isEmpty { problems[index] = reasons }
        }
        if !problems.isEmpty || rules.judgeOnly { throw UsageRefused(problems: problems) }
    }
}
