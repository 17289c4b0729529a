import Foundation
import GRDB
public import MarketplaceCore

/// The embedded store: one SQLite file in WAL mode (readers never wait for the writer).
///
/// `synchronous = FULL`: Entitle acks a Pub/Sub message right after its transaction commits, so
/// a commit must survive a power loss, not just a process crash; with NORMAL the last commits
/// before a power cut could vanish after their messages were acked, and those events would be
/// lost until a resync. FULL costs one fsync per commit, ≈ 2,400 commits/s on this machine kind
/// (measured on the project's 2-core machine), well above Marketplace's event rates. GRDB resets the writer to NORMAL
/// after `prepareDatabase`, so FULL is set again on the writer after opening.
public final class SQLiteStore: Store {
    let pool: DatabasePool
    public let path: String
    private let commits: SQLiteCommitQueue

    /// Opens (creating if needed) and migrates the database at `path`.
    public init(path: String) async throws {
        // Before anything is written: a file a newer Entitle migrated is left as it is.
        try SQLiteMigrations.status(path: path).refuseNewer("SQLite")
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        configuration.busyMode = .timeout(10)
        pool = try DatabasePool(path: path, configuration: configuration)
        self.path = path
        commits = SQLiteCommitQueue(pool: pool, apply: Self.apply)
        try await pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA synchronous = FULL") }
        try SQLiteMigrations.migrator.migrate(pool)
        // One process has this file: whatever callbacks were claimed were claimed by a process
        // that is gone (a crash, a SIGKILL). Their claims end now, not when they run out.
        try await pool.write { db in try db.execute(sql: "UPDATE outbox SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by IS NOT NULL") }
    }

    // MARK: Notifications

    public func isProcessed(eventID: String) async throws -> Bool {
        try await pool.read { db in try Self.isProcessed(eventID, db) }
    }

    public func entitlement(_ id: EntitlementID) async throws -> LocalEntitlement? {
        try await pool.read { db in try Self.entitlement(id, db) }
    }

    public func account(_ id: AccountID) async throws -> LocalAccount? {
        try await pool.read { db in try Self.account(id, db) }
    }

    /// In one read transaction: one hop to a reader connection instead of three.
    public func decisionRecords(eventID: String?, entitlement: EntitlementID?, account: AccountID?) async throws -> DecisionRecords {
        try await pool.read { db in
            var records = DecisionRecords()
            if let eventID { records.isProcessed = try Self.isProcessed(eventID, db) }
            if let entitlement { records.entitlement = try Self.entitlement(entitlement, db) }
            if let id = records.entitlement?.accountID ?? account { records.account = try Self.account(id, db) }
            return records
        }
    }

    private static func isProcessed(_ eventID: String, _ db: Database) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM inbox WHERE event_id = ?"), arguments: [eventID]) ?? false
    }

    private static func entitlement(_ id: EntitlementID, _ db: Database) throws -> LocalEntitlement? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT record FROM entitlement WHERE id = ?"), arguments: [id.rawValue]).map(decode)
    }

    private static func account(_ id: AccountID, _ db: Database) throws -> LocalAccount? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT record FROM account WHERE id = ?"), arguments: [id.rawValue]).map(decode)
    }

    public func commit(_ commit: StoreCommit) async throws -> CommitOutcome {
        try await commits.commit(commit)
    }

    /// One commit's rows, inside a transaction (`SQLiteCommitQueue` gives each its savepoint).
    static func apply(_ commit: StoreCommit, _ db: Database) throws -> CommitOutcome {
        if let eventID = commit.eventID {
            let now = Timestamp(Date()).micros
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO inbox (event_id, processed_at) VALUES (?, ?)").execute(arguments: [eventID, now])
            // Another worker committed this event first: write nothing more.
            guard db.changesCount == 1 else { return .alreadyProcessed }
        }
        for account in commit.accounts { try upsert(account, db) }
        for entitlement in commit.entitlements { try upsert(entitlement, db) }
        for item in commit.callbacks { try insert(item, db) }
        for entry in commit.audit { try insert(entry, db) }
        for account in commit.erase { try erase(account, db) }
        return .committed
    }

    public func recordPoison(_ message: PoisonMessage) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO poison_message (message_id, data, attributes, reason, received_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [message.messageID, message.data, try Self.encode(message.attributes), message.reason, message.receivedAt.micros]
            )
        }
    }

    public func poisonMessages(limit: Int) async throws -> [PoisonMessage] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM poison_message ORDER BY id DESC LIMIT ?", arguments: [limit]).map { row in
                PoisonMessage(
                    id: row["id"],
                    messageID: row["message_id"],
                    data: row["data"],
                    attributes: try Self.decode(row["attributes"]),
                    reason: row["reason"],
                    receivedAt: Timestamp(micros: row["received_at"])
                )
            }
        }
    }

    // MARK: Reading

    public func entitlements(ofAccount account: AccountID) async throws -> [LocalEntitlement] {
        try await pool.read { db in
            try String.fetchAll(db, sql: "SELECT record FROM entitlement WHERE account_id = ? ORDER BY id", arguments: [account.rawValue])
                .map(Self.decode)
        }
    }

    public func entitlements(state: EntitlementState?, after: EntitlementID?, limit: Int) async throws -> [LocalEntitlement] {
        try await pool.read { db in
            try String.fetchAll(
                db,
                sql: "SELECT record FROM entitlement WHERE (? IS NULL OR state = ?) AND id > ? ORDER BY id LIMIT ?",
                arguments: [state?.rawValue, state?.rawValue, after?.rawValue ?? "", limit]
            ).map(Self.decode)
        }
    }

    public func auditLog(subject: String?, limit: Int) async throws -> [AuditEntry] {
        try await pool.read { db in
            let rows =
                if let subject {
                    try Row.fetchAll(db, sql: "SELECT * FROM audit_log WHERE subject = ? ORDER BY id DESC LIMIT ?", arguments: [subject, limit])
                } else {
                    try Row.fetchAll(db, sql: "SELECT * FROM audit_log ORDER BY id DESC LIMIT ?", arguments: [limit])
                }
            return rows.map { row in
                AuditEntry(
                    id: row["id"],
                    at: Timestamp(micros: row["at"]),
                    kind: AuditEntry.Kind(rawValue: row["kind"]) ?? .action,
                    subject: row["subject"],
                    eventID: row["event_id"],
                    summary: row["summary"],
                    payload: row["payload"]
                )
            }
        }
    }

    /// A pragma's value as the writer connection sees it (`journal_mode`, `synchronous`), for checks.
    public func pragma(_ name: String) async throws -> String? {
        try await pool.writeWithoutTransaction { db in try String.fetchOne(db, sql: "PRAGMA \(name)") }
    }

    // MARK: Helpers

    static func encode(_ value: some Encodable) throws -> String { try StoreJSON.encode(value) }

    static func decode<Value: Decodable>(_ text: String) throws -> Value { try StoreJSON.decode(text) }
}

extension Timestamp {
    /// Microseconds since the epoch: an integer column that sorts as time does (RFC 3339 text
    /// with varying fraction digits does not).
    var micros: Int64 { seconds * 1_000_000 + Int64(nanos / 1000) }

    init(micros: Int64) {
        let seconds = micros >= 0 ? micros / 1_000_000 : (micros - 999_999) / 1_000_000
        self.init(seconds: seconds, nanos: Int32((micros - seconds * 1_000_000) * 1000))
    }
}
