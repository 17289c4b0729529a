public import Foundation
public import MarketplaceCore

/// One audit log row: every event and every action, with the raw payload where there is one.
public struct AuditEntry: Hashable, Sendable, Codable {
    public enum Kind: String, Hashable, Sendable, Codable {
        /// A notification as it arrived.
        case event
        /// Something Entitle did or decided (an approval, a state recorded, a callback queued).
        case action
        /// Resync found local state that drifted and repaired it.
        case repair
        /// An administrator's decision.
        case admin
        /// A buyer's sign-up.
        case signup
        /// Usage reporting: a check failed or passed again, a window re-run.
        case usage
    }

    public var id: Int64?
    public var at: Timestamp
    public var kind: Kind
    /// `entitlements/{id}`, `accounts/{id}` or `customers/{id}`.
    public var subject: String
    public var eventID: String?
    public var summary: String
    public var payload: String?

    public init(
        id: Int64? = nil,
        at: Timestamp,
        kind: Kind,
        subject: String,
        eventID: String? = nil,
        summary: String,
        payload: String? = nil
    ) {
        self.id = id
        self.at = at
        self.kind = kind
        self.subject = subject
        self.eventID = eventID
        self.summary = summary
        self.payload = payload
    }
}

/// A provisioning callback waiting in the outbox, or delivered. The id is stable: the vendor's
/// app deduplicates on it, however often the callback is sent.
public struct OutboxItem: Hashable, Sendable, Codable {
    public enum Status: String, Hashable, Sendable, Codable {
        case pending, delivered, failed
    }

    public var id: String
    public var kind: CallbackKind
    public var accountID: AccountID?
    public var entitlementID: EntitlementID?
    /// The JSON body sent to the webhook.
    public var body: String
    public var createdAt: Timestamp
    /// When it was queued, or replayed last: the retry horizon counts from here.
    public var queuedAt: Timestamp
    public var attempts: Int
    public var nextAttemptAt: Timestamp
    public var status: Status
    public var deliveredAt: Timestamp?
    public var lastError: String?

    /// What its order is kept within: `entitlements/{id}`, else `accounts/{id}`, else its kind.
    public var subject: String {
        if let entitlementID { return "entitlements/\(entitlementID.rawValue)" }
        if let accountID { return "accounts/\(accountID.rawValue)" }
        return kind.rawValue
    }

    public init(
        id: String,
        kind: CallbackKind,
        accountID: AccountID?,
        entitlementID: EntitlementID?,
        body: String,
        createdAt: Timestamp,
        queuedAt: Timestamp? = nil,
        attempts: Int = 0,
        nextAttemptAt: Timestamp? = nil,
        status: Status = .pending,
        deliveredAt: Timestamp? = nil,
        lastError: String? = nil
    ) {
        self.id = id
        self.kind = kind
        self.accountID = accountID
        self.entitlementID = entitlementID
        self.body = body
        self.createdAt = createdAt
        self.queuedAt = queuedAt ?? createdAt
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt ?? createdAt
        self.status = status
        self.deliveredAt = deliveredAt
        self.lastError = lastError
    }
}

/// A message that could not be understood: kept, with why, and acked so it stops coming.
public struct PoisonMessage: Hashable, Sendable, Codable {
    public var id: Int64?
    public var messageID: String?
    public var data: Data
    public var attributes: [String: String]
    public var reason: String
    public var receivedAt: Timestamp

    public init(
        id: Int64? = nil,
        messageID: String?,
        data: Data,
        attributes: [String: String] = [:],
        reason: String,
        receivedAt: Timestamp
    ) {
        self.id = id
        self.messageID = messageID
        self.data = data
        self.attributes = attributes
        self.reason = reason
        self.receivedAt = receivedAt
    }
}

/// A notification that kept failing: kept with its last error after `attempts` tries, acked so
/// that Pub/Sub stops handing it out, and replayable by an administrator.
public struct DeadLetter: Hashable, Sendable, Codable {
    public var id: Int64?
    public var messageID: String?
    public var eventID: String?
    /// `entitlements/{id}` or `accounts/{id}`, when the message could be read.
    public var subject: String?
    public var data: Data
    public var attributes: [String: String]
    public var error: String
    public var attempts: Int
    public var firstFailedAt: Timestamp
    public var deadLetteredAt: Timestamp
    /// When a replay processed it.
    public var replayedAt: Timestamp?
    /// Why the last replay failed.
    public var replayError: String?

    public init(
        id: Int64? = nil,
        messageID: String?,
        eventID: String?,
        subject: String?,
        data: Data,
        attributes: [String: String],
        error: String,
        attempts: Int,
        firstFailedAt: Timestamp,
        deadLetteredAt: Timestamp,
        replayedAt: Timestamp? = nil,
        replayError: String? = nil
    ) {
        self.id = id
        self.messageID = messageID
        self.eventID = eventID
        self.subject = subject
        self.data = data
        self.attributes = attributes
        self.error = error
        self.attempts = attempts
        self.firstFailedAt = firstFailedAt
        self.deadLetteredAt = deadLetteredAt
        self.replayedAt = replayedAt
        self.replayError = replayError
    }
}

/// A message's failed attempts so far.
public struct DeliveryFailures: Hashable, Sendable {
    public var attempts: Int
    public var firstFailedAt: Timestamp

    public init(attempts: Int, firstFailedAt: Timestamp) {
        self.attempts = attempts
        self.firstFailedAt = firstFailedAt
    }
}

/// Everything one processed notification (or sign-up, or resync repair) changes, written in one
/// transaction (docs/architecture.md, "How a notification flows", step 6).
public struct StoreCommit: Hashable, Sendable {
    /// The notification's eventId, written to the inbox; nil for a sign-up or a resync.
    public var eventID: String?
    public var entitlements: [LocalEntitlement]
    public var accounts: [LocalAccount]
    public var callbacks: [OutboxItem]
    public var audit: [AuditEntry]
    /// Accounts whose customer's personal data is erased (ACCOUNT_DELETED).
    public var erase: [AccountID]
    /// A subject lease given back in the same transaction, whether the event was processed
    /// already or not: the decision's last write, and on PostgreSQL one round trip fewer.
    public var releasing: SubjectLease?

    public init(
        eventID: String? = nil,
        entitlements: [LocalEntitlement] = [],
        accounts: [LocalAccount] = [],
        callbacks: [OutboxItem] = [],
        audit: [AuditEntry] = [],
        erase: [AccountID] = [],
        releasing: SubjectLease? = nil
    ) {
        self.eventID = eventID
        self.entitlements = entitlements
        self.accounts = accounts
        self.callbacks = callbacks
        self.audit = audit
        self.erase = erase
        self.releasing = releasing
    }
}

public enum CommitOutcome: Hashable, Sendable {
    case committed
    /// Another worker or replica committed this eventId first; nothing was written.
    case alreadyProcessed
}

/// How long each kind of row is kept, in days. Rows older than this are pruned in small batches.
public struct RetentionPolicy: Hashable, Sendable, Codable {
    /// Processed eventIds. Pub/Sub redelivers for up to 7 days, so at least 8: a redelivery after
    /// its inbox row went would be processed again.
    public var inboxDays: Int
    /// Audit rows: kept longest, they are the history an auditor reads.
    public var auditDays: Int
    /// Poison messages, dead letters, and the failure counts of messages that stopped failing.
    public var poisonDays: Int
    /// Usage records whose operation Google accepted (never before). An app's resend of a key older
    /// than this is no longer recognised as a duplicate.
    public var usageRecordDays: Int
    /// Usage operations Google accepted (or that were superseded), once no record of theirs is
    /// left: the ledger's history, which otherwise grows by one row per entitlement-metric-hour.
    public var usageOperationDays: Int
    /// Delivered and given-up callbacks.
    public var callbackDays: Int

    public static let minimumInboxDays = 8

    public init(
        inboxDays: Int = 14,
        auditDays: Int = 400,
        poisonDays: Int = 90,
        usageRecordDays: Int = 90,
        usageOperationDays: Int = 400,
        callbackDays: Int = 90
    ) {
        self.inboxDays = inboxDays
        self.auditDays = auditDays
        self.poisonDays = poisonDays
        self.usageRecordDays = usageRecordDays
        self.usageOperationDays = usageOperationDays
        self.callbackDays = callbackDays
    }
}

/// What one pruning call removed, per table.
public struct PruneSummary: Hashable, Sendable, Codable {
    public var inbox = 0
    public var audit = 0
    public var poison = 0
    public var deadLetters = 0
    public var deliveryFailures = 0
    public var usageRecords = 0
    public var usageOperations = 0
    public var callbacks = 0
    public var signupSessions = 0
    /// Hand-off codes a day past their expiry.
    public var handoffs = 0

    public init() {}

    /// Every count, listed once: the total and the sum of rounds follow it.
    static var counts: [WritableKeyPath<PruneSummary, Int>] {
        [
            \.inbox, \.audit, \.poison, \.deadLetters, \.deliveryFailures, \.usageRecords, \.usageOperations,
            \.callbacks, \.signupSessions, \.handoffs,
        ]
    }

    public var total: Int { Self.counts.reduce(0) { $0 + self[keyPath: $1] } }

    /// Adds a round's counts to a running total.
    public static func += (total: inout PruneSummary, round: PruneSummary) {
        for count in counts { total[keyPath: count] += round[keyPath: count] }
    }
}
