import Foundation
import MarketplaceCore

/// The rows one `StoreCommit` writes, as statements both stores run in order inside the commit's
/// transaction (after its inbox row, when it has one).
enum CommitSQL {
    /// Claims an event: one row back when this commit is the first to process it.
    static func claim(eventID: String, at now: Timestamp) -> StoreSQL {
        "\(insertInbox(eventID, now)) ON CONFLICT (event_id) DO NOTHING RETURNING 1"
    }

    private static func insertInbox(_ eventID: String, _ now: Timestamp) -> StoreSQL {
        "INSERT INTO inbox (event_id, processed_at) VALUES (\(eventID), \(now))"
    }

    /// The constraint a second claim of one event breaks in `oneStatement` (PostgreSQL's name for
    /// the inbox's primary key).
    static let claimedTwice = "inbox_pkey"

    /// A notification's commit as one statement, for PostgreSQL, where each statement is a round
    /// trip and BEGIN, the claim and COMMIT were three of them: its writes run as the WITH of the
    /// claim. The claim breaks `claimedTwice` when the event was processed already, and one
    /// statement is atomic, so then none of it stays (the caller gives the lease back and answers
    /// `alreadyProcessed`). PostgreSQL runs a WITH's writes on one snapshot and leaves two writes
    /// to one row undefined, so nil for a commit that could hold two: more than one record of a
    /// kind, more than one audit statement, or an erasure; and for one without an event.
    static func oneStatement(_ commit: StoreCommit, at now: Timestamp) throws -> StoreSQL? {
        guard let eventID = commit.eventID, commit.accounts.count <= 1, commit.entitlements.count <= 1,
            commit.callbacks.count <= 1, commit.audit.count <= auditRowsPerStatement, commit.erase.isEmpty
        else { return nil }
        return StoreSQL.together(try statements(commit, at: now) + [insertInbox(eventID, now)])
    }

    /// Six values a row: well within SQLite's and PostgreSQL's limits on bound values.
    static let auditRowsPerStatement = 64

    static func statements(_ commit: StoreCommit, at now: Timestamp) throws -> [StoreSQL] {
        var statements: [StoreSQL] = []
        statements.reserveCapacity(commit.accounts.count + commit.entitlements.count + commit.callbacks.count + 1)
        for account in commit.accounts { statements.append(try upsert(account, at: now)) }
        for entitlement in commit.entitlements { statements.append(try upsert(entitlement, at: now)) }
        for item in commit.callbacks { statements.append(insert(item)) }
        // A notification's two or three entries in one statement (each is a round trip on PostgreSQL);
        // a large commit's in several, within the stores' limits on bound values.
        for start in stride(from: 0, to: commit.audit.count, by: auditRowsPerStatement) {
            let end = min(start + auditRowsPerStatement, commit.audit.count)
            statements.append(insert(Array(commit.audit[start..<end])))
        }
        for account in commit.erase { statements += erase(account, at: now) }
        statements += release(commit)
        return statements
    }

    /// The newer copy wins whatever the order of commits: a copy older than the stored one
    /// (another replica's re-read that lost the race) changes nothing. Signed up stays signed up:
    /// a notification's copy read before the sign-up committed, written after it with Google's newer
    /// time, must not undo it (`RecordSQL.account` reads the column back into the record).
    static func upsert(_ account: LocalAccount, at now: Timestamp) throws -> StoreSQL {
        """
        INSERT INTO account (id, record, signed_up, erased, update_time, updated_at)
        VALUES (\(account.id.rawValue), \(try StoreJSON.encode(account)), \(account.isSignedUp), \(account.isErased),
            \(account.updateTime), \(now))
        ON CONFLICT (id) DO UPDATE SET record = excluded.record, signed_up = (excluded.signed_up OR account.signed_up),
            erased = excluded.erased,
            update_time = excluded.update_time, updated_at = excluded.updated_at
        WHERE account.update_time IS NULL OR excluded.update_time IS NULL OR excluded.update_time >= account.update_time
        """
    }

    static func upsert(_ entitlement: LocalEntitlement, at now: Timestamp) throws -> StoreSQL {
        let resource = entitlement.resource
        return """
            INSERT INTO entitlement (id, account_id, product, plan, state, deleted, record, update_time, updated_at)
            VALUES (\(entitlement.id.rawValue), \(entitlement.accountID?.rawValue),
                \(resource.productExternalName ?? resource.product), \(resource.plan), \(resource.state?.rawValue),
                \(entitlement.isDeleted), \(try StoreJSON.encode(entitlement)), \(resource.updateTime), \(now))
            ON CONFLICT (id) DO UPDATE SET account_id = excluded.account_id, product = excluded.product,
                plan = excluded.plan, state = excluded.state, deleted = excluded.deleted, record = excluded.record,
                update_time = excluded.update_time, updated_at = excluded.updated_at
            WHERE entitlement.update_time IS NULL OR excluded.update_time IS NULL
                OR excluded.update_time >= entitlement.update_time
            """
    }

    /// The same callback id twice (a redelivered event) is one callback.
    static func insert(_ item: OutboxItem) -> StoreSQL {
        """
        INSERT INTO outbox (
            id, kind, account_id, entitlement_id, subject, body, created_at, queued_at, attempts, next_attempt_at,
            status
        )
        VALUES (\(item.id), \(item.kind.rawValue), \(item.accountID?.rawValue), \(item.entitlementID?.rawValue),
            \(item.subject), \(item.body), \(item.createdAt), \(item.queuedAt), \(item.attempts), \(item.nextAttemptAt),
            \(item.status.rawValue))
        ON CONFLICT (id) DO NOTHING
        """
    }

    /// An audit entry and, when there is one, the callback telling the app.
    static func insert(_ entry: AuditEntry, _ callback: OutboxItem?) -> [StoreSQL] {
        [insert(entry)] + (callback.map { [insert($0)] } ?? [])
    }

    static func insert(_ entry: AuditEntry) -> StoreSQL { insert([entry]) }

    /// Entries in one statement, their ids in the order given (both stores number a multi-row
    /// `VALUES` row by row).
    static func insert(_ entries: [AuditEntry]) -> StoreSQL {
        let rows = entries.map { entry -> StoreSQL in
            """
            (\(entry.at), \(entry.kind.rawValue), \(entry.subject), \(entry.eventID), \(entry.summary),
                \(entry.payload))
            """
        }
        let values = StoreSQL(joining: rows, separator: ", ")
        return "INSERT INTO audit_log (at, kind, subject, event_id, summary, payload) VALUES \(values)"
    }

    /// The lease the commit gives back, if any.
    static func release(_ commit: StoreCommit) -> [StoreSQL] {
        commit.releasing.map { [SubjectLeaseSQL.release($0)] } ?? []
    }

    /// ACCOUNT_DELETED: the customer's personal data goes; ids, entitlements and usage stay
    /// (anonymised billing records). Idempotent.
    static func erase(_ account: AccountID, at now: Timestamp) -> [StoreSQL] {
        [
            """
            UPDATE customer SET company = NULL, contact_name = NULL, email = NULL,
                erased_at = COALESCE(erased_at, \(now))
            WHERE id = (SELECT customer_id FROM account WHERE id = \(account.rawValue))
            """,
            "UPDATE signup_session SET user_identity = NULL WHERE account_id = \(account.rawValue)",
            "DELETE FROM person WHERE account_id = \(account.rawValue)",
        ]
    }
}

/// A notification's commit: its event is claimed in the inbox (when it has one), and only the
/// first to claim it writes its rows; another worker or replica that got there first wins.
///
/// Its statements (the records' JSON included) are made when it is made, before the transaction:
/// SQLite has one writer, and the less it does per commit, the more commits it makes.
struct CommitPlan: StorePlan {
    let commit: StoreCommit
    let now: Timestamp
    private let statements: [StoreSQL]
    private var asked = false

    init(_ commit: StoreCommit, at now: Timestamp) throws {
        self.commit = commit
        self.now = now
        statements = try CommitSQL.statements(commit, at: now)
    }

    mutating func next(_ answers: [[any StoreRow]]) throws -> StorePlanStep<CommitOutcome> {
        if let eventID = commit.eventID, !asked {
            asked = true
            return .read([CommitSQL.claim(eventID: eventID, at: now)])
        }
        if commit.eventID != nil, answers.first?.isEmpty ?? true {
            return .write(CommitSQL.release(commit), .alreadyProcessed)
        }
        return .write(statements, .committed)
    }
}
