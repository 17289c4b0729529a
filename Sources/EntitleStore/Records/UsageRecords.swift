public import MarketplaceCore

/// What became of one submitted usage record.
public enum UsageAcceptance: Hashable, Sendable, Codable {
    /// Recorded, to be counted in `window`.
    case accepted(window: UsageWindow)
    /// The same idempotency key with the same content came before; counted once, in `window`.
    case duplicate(window: UsageWindow)
}

/// Idempotency keys that came back with a different body: the batch was not recorded.
public struct UsageConflict: Error, Hashable, Sendable {
    public var idempotencyKeys: [String]

    public init(idempotencyKeys: [String]) {
        self.idempotencyKeys = idempotencyKeys
    }
}

/// Records whose window total would pass `Int64.max`: the batch was not recorded.
/// How intake judges each new record of a batch, by what the store holds in the same
/// transaction: the record's entitlement as stored (nil when unknown) and its usage cursor.
public struct UsageIntakeRules: Sendable {
    /// The reasons a record cannot be billed; none when it can. Not asked of a record sent again as
    /// it was first accepted: a duplicate stays one whatever has become of its entitlement.
    public var check: @Sendable (UsageSubmission, LocalEntitlement?, UsageCursor?) -> [String]
    /// Refuse the batch whatever the checks say (some of its records named no entitlement), after
    /// judging the others so that every bad record is listed at once.
    public var judgeOnly: Bool

    public init(
        judgeOnly: Bool = false,
        check: @escaping @Sendable (UsageSubmission, LocalEntitlement?, UsageCursor?) -> [String]
    ) {
        self.check = check
        self.judgeOnly = judgeOnly
    }
}

/// Records of a batch the rules refused (`UsageIntakeRules`): nothing of the batch was kept.
public struct UsageRefused: Error, Hashable, Sendable {
    /// Position in the batch → reasons.
    public var problems: [Int: [String]]

    public init(problems: [Int: [String]]) {
        self.problems = problems
    }
}

public struct UsageOverflow: Error, Hashable, Sendable {
    /// Position in the batch → why.
    public var problems: [Int: String]

    public init(problems: [Int: String]) {
        self.problems = problems
    }
}

/// One operation of the usage ledger: the sum of one entitlement's metric (with one set of
/// labels) over one window. Written before Google is called, with a deterministic id, so a crash
/// or a timeout resends the same operation with the same value and never a second one.
public struct UsageOperationRecord: Hashable, Sendable, Codable {
    public enum Status: String, Hashable, Sendable, Codable, CaseIterable {
        /// Sealed, not yet sent (or sent and the process stopped before the answer).
        case pending
        /// Google accepted it.
        case reported
        /// The entitlement's check failed (billing disabled, …); checked again each pass.
        case checkFailed = "check_failed"
        /// Google refused it (a report error); re-run from the admin API after fixing the cause.
        case rejected
        /// The report request failed without saying whether it was taken: sent again, same id.
        case unknown
        /// Never reported, and replaced: it was sealed before Entitle learned that its entitlement
        /// had been cancelled inside its window, so its usage was sealed again into an operation
        /// that ends at the cancellation (`lastError` names it). Never sent again.
        case superseded
    }

    public var id: String
    public var entitlementID: EntitlementID
    public var metric: String
    public var labels: [String: String]
    public var window: UsageWindow
    public var quantity: Int64
    public var status: Status
    public var attempts: Int
    public var lastError: String?
    public var createdAt: Timestamp
    public var updatedAt: Timestamp
    public var reportedAt: Timestamp?

    public init(
        id: String,
        entitlementID: EntitlementID,
        metric: String,
        labels: [String: String],
        window: UsageWindow,
        quantity: Int64,
        status: Status,
        attempts: Int = 0,
        lastError: String? = nil,
        createdAt: Timestamp,
        updatedAt: Timestamp,
        reportedAt: Timestamp? = nil
    ) {
        self.id = id
        self.entitlementID = entitlementID
        self.metric = metric
        self.labels = labels
        self.window = window
        self.quantity = quantity
        self.status = status
        self.attempts = attempts
        self.lastError = lastError
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.reportedAt = reportedAt
    }
}

/// A change of one ledger operation after a check or a report.
public struct UsageOperationUpdate: Hashable, Sendable {
    public var id: String
    public var status: UsageOperationRecord.Status
    public var error: String?
    /// Counts as a send attempt (a report request was made for it).
    public var attempted: Bool

    public init(id: String, status: UsageOperationRecord.Status, error: String? = nil, attempted: Bool) {
        self.id = id
        self.status = status
        self.error = error
        self.attempted = attempted
    }
}

/// Unsealed usage of one entitlement × metric × labels × window: what the next pass would seal.
public struct UsageAggregate: Hashable, Sendable, Codable {
    public var entitlementID: EntitlementID
    public var metric: String
    public var labels: [String: String]
    public var windowStart: Timestamp
    public var quantity: Int64
    public var records: Int
    /// The records add up to more than `Int64.max` (kept by a version that did not check):
    /// `quantity` is `Int64.max`, and sealing this aggregate fails until it is resolved.
    public var overflows: Bool

    public init(
        entitlementID: EntitlementID,
        metric: String,
        labels: [String: String],
        windowStart: Timestamp,
        quantity: Int64,
        records: Int,
        overflows: Bool = false
    ) {
        self.entitlementID = entitlementID
        self.metric = metric
        self.labels = labels
        self.windowStart = windowStart
        self.quantity = quantity
        self.records = records
        self.overflows = overflows
    }
}

/// An entitlement's usage bookkeeping.
public struct UsageCursor: Hashable, Sendable, Codable {
    public var entitlementID: EntitlementID
    /// Windows before this are sealed: usage stamped earlier goes to the first open window.
    public var sealedUntil: Timestamp
    /// The end of the last window Google accepted.
    public var reportedUntil: Timestamp?
    /// The entitlement is cancelled and its last window sealed: no more usage is accepted.
    public var isFinal: Bool
    /// Why reporting is blocked (a failed check, a refusal), and since when.
    public var blockedReason: String?
    public var blockedAt: Timestamp?
    /// Why the last pass could not seal this entitlement's usage (an overflowing sum, a
    /// constraint), and since when; the other entitlements were sealed. Retried each pass.
    public var sealingError: String?
    public var sealingErrorAt: Timestamp?

    public init(
        entitlementID: EntitlementID,
        sealedUntil: Timestamp,
        reportedUntil: Timestamp? = nil,
        isFinal: Bool = false,
        blockedReason: String? = nil,
        blockedAt: Timestamp? = nil,
        sealingError: String? = nil,
        sealingErrorAt: Timestamp? = nil
    ) {
        self.entitlementID = entitlementID
        self.sealedUntil = sealedUntil
        self.reportedUntil = reportedUntil
        self.isFinal = isFinal
        self.blockedReason = blockedReason
        self.blockedAt = blockedAt
        self.sealingError = sealingError
        self.sealingErrorAt = sealingErrorAt
    }
}

/// How a reporting pass seals windows: which are closed, and the deterministic operation ids.
public struct UsageSealing: Sendable {
    /// Windows ending at or before this are sealed.
    public var cutoff: Timestamp
    public var windowLength: Int64
    /// Cancelled entitlements: all their usage is sealed, the last window ending at this time.
    public var finals: [EntitlementID: Timestamp]
    /// The operation id of entitlement × metric × labels (canonical JSON) × window (an
    /// entitlement's last window ends early, at its cancellation).
    public var operationID: @Sendable (EntitlementID, String, String, UsageWindow) -> String
    /// A pass seals a chunk at a time: only entitlements after this one (by id)…
    public var after: EntitlementID?
    /// …and at most this many of them; nil: all.
    public var limit: Int?

    public init(
        cutoff: Timestamp,
        windowLength: Int64,
        finals: [EntitlementID: Timestamp],
        operationID: @escaping @Sendable (EntitlementID, String, String, UsageWindow) -> String
    ) {
        self.cutoff = cutoff
        self.windowLength = windowLength
        self.finals = finals
        self.operationID = operationID
    }
}

extension UsageSealing {
    /// One chunk's entitlements: `closed` (those with closed windows after `after`, in id order, at
    /// most `limit`) and the finals between `after` and the chunk's end (a final past a full
    /// chunk's last id waits for the next chunk).
    func chunk(_ closed: [EntitlementID], next: inout EntitlementID?) -> [EntitlementID] {
        let full = limit.map { closed.count >= $0 } ?? false
        let bound = full ? closed.last : nil
        next = bound
        let ending = self.finals.keys.filter { id in
            (after.map { id.rawValue > $0.rawValue } ?? true) && (bound.map { id.rawValue <= $0.rawValue } ?? true)
        }
        return Set(closed).union(ending).sorted { $0.rawValue < $1.rawValue }
    }
}

/// What a sealing pass did: the operations written, and the entitlements it could not seal (each
/// with why; recorded on its cursor, the others sealed all the same).
public struct UsageSealingResult: Hashable, Sendable {
    public var operations: [UsageOperationRecord]
    public var failures: [EntitlementID: String]
    /// With a `limit`: the last entitlement of this chunk when more may follow (the next chunk's
    /// `after`); nil when none is left.
    public var next: EntitlementID?

    public init(operations: [UsageOperationRecord] = [], failures: [EntitlementID: String] = [:]) {
        self.operations = operations
        self.failures = failures
    }
}

/// Reporting as a whole is blocked: Google refused Entitle's access to Service Control (a key
/// rotated away, a role removed, the service not linked). Nothing is rejected meanwhile.
public struct UsageReportingBlock: Hashable, Sendable, Codable {
    public var reason: String
    public var since: Timestamp

    public init(reason: String, since: Timestamp) {
        self.reason = reason
        self.since = since
    }
}
