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
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE outbox SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by IS NOT NULL"
            )
        }
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
    public func decisionRecords(
        eventID: String?,
        entitlement: EntitlementID?,
        account: AccountID?
    ) async throws -> DecisionRecords {
        try await pool.read { db in
            var records = DecisionRecords()
            if let eventID { records.isProcessed = try Self.isProcessed(eventID, db) }
            if let entitlement { records.entitlement = try Self.entitlement(entitlement, db) }
            if let id = records.entitlement?.accountID ?? account { records.account = try Self.account(id, db) }
            return records
        }
    }

    private static func isProcessed(_ eventID: String, _ db: Database) throws -> Bool {
        try db.fetchOne(RecordSQL.isProcessed(eventID)) != nil
    }

    private static func entitlement(_ id: EntitlementID, _ db: Database) throws -> LocalEntitlement? {
        try db.fetchOne(RecordSQL.entitlement(id)).map(RecordSQL.record)
    }

    private static func account(_ id: AccountID, _ db: Database) throws -> LocalAccount? {
        try db.fetchOne(RecordSQL.account(id)).map(RecordSQL.record)
    }

    public func commit(_ commit: StoreCommit) async throws -> CommitOutcome {
        try await commits.commit(commit)
    }

    /// One commit's rows, inside a transaction (`SQLiteCommitQueue` gives each its savepoint).
    static func apply(_ commit: StoreCommit, _ db: Database) throws -> CommitOutcome {
        let now = Timestamp(Date())
        // Another worker committed this event first: write nothing more.
        if let eventID = commit.eventID, try db.fetch(CommitSQL.claim(eventID: eventID, at: now)).isEmpty {
            return .alreadyProcessed
        }
        for statement in try CommitSQL.statements(commit, at: now) { try db.run(statement) }
        return .committed
    }

    public func recordPoison(_ message: PoisonMessage) async throws {
        try await pool.write { db in try db.run(RecordSQL.insert(message)) }
    }

    public func poisonMessages(limit: Int) async throws -> [PoisonMessage] {
        try await pool.read { db in try db.fetch(RecordSQL.poisonMessages(limit: limit)).map(RecordSQL.poisonMessage) }
    }

    // MARK: Reading

    public func entitlements(ofAccount account: AccountID) async throws -> [LocalEntitlement] {
        try await pool.read { db in try db.fetch(RecordSQL.entitlements(ofAccount: account)).map(RecordSQL.record) }
    }

    public func entitlements(
        state: EntitlementState?,
        after: EntitlementID?,
        limit: Int
    ) async throws -> [LocalEntitlement] {
        try await pool.read { db in
            try db.fetch(RecordSQL.entitlements(state: state, after: after, limit: limit)).map(RecordSQL.record)
        }
    }

    public func auditLog(subject: String?, limit: Int) async throws -> [AuditEntry] {
        try await pool.read { db in
            try db.fetch(RecordSQL.auditLog(subject: subject, limit: limit)).map(RecordSQL.auditEntry)
        }
    }

    /// A pragma's value as the writer connection sees it (`journal_mode`, `synchronous`), for checks.
    public func pragma(_ name: String) async throws -> String? {
        try await pool.writeWithoutTransaction { db in try String.fetchOne(db, sql: "PRAGMA \(name)") }
    }

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
