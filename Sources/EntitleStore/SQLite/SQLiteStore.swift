import Foundation
import GRDB
import MarketplaceCore
import OwnerOnlyFiles

/// The embedded store: one SQLite file in WAL mode (readers never wait for the writer).
///
/// `synchronous = FULL`: Entitle acks a Pub/Sub message right after its transaction commits, so
/// a commit must survive a power loss, not just a process crash; with NORMAL the last commits
/// before a power cut could vanish after their messages were acked, and those events would be
/// lost until a resync. FULL costs one fsync per commit, ≈ 2,400 commits/s on this machine kind
/// (measured on the project's 2-core machine), well above Marketplace's event rates. GRDB resets the writer to NORMAL
/// after `prepareDatabase`, so FULL is set again on the writer after opening.
///
/// Unchecked `Sendable` as `SQLStore` is: its state is immutable (`let`) and itself `Sendable`.
public final class SQLiteStore: SQLStore, Store, @unchecked Sendable {
    let pool: DatabasePool
    public let path: String
    private let commits: SQLiteCommitQueue
    let faults: SQLiteFaults

    /// How long a connection waits for a lock another process holds (one closing the file
    /// checkpoints its WAL, `entitle migrate` writes) before it fails with "database is locked".
    static let busyTimeout: TimeInterval = 10

    /// Opens (creating if needed) and migrates the database at `path`.
    public init(path: String) async throws {
        // Before anything is written: a file a newer Entitle migrated is left as it is.
        try SQLiteMigrations.status(path: path).refuseNewer("SQLite")
        // Customers' names and emails: owner-only from the start, and so its WAL (SQLite gives the
        // WAL and shared-memory files the database file's mode).
        try OwnerOnlyFile.create(path)
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        configuration.busyMode = .timeout(Self.busyTimeout)
        pool = try DatabasePool(path: path, configuration: configuration)
        self.path = path
        faults = SQLiteFaults(path: path)
        commits = SQLiteCommitQueue(pool: pool)
        // Two: the one writer takes the next intake transaction as soon as one commits.
        super.init(intakeConcurrency: 2, intakeRecords: 4096, listSlicing: .cachedLengths)
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

    override func read<Plan: StorePlan>(_ plan: Plan) async throws -> Plan.Result {
        try await faults.guarding(writes: false) { try await pool.read { db in try db.run(plan) } }
    }

    override func fetch<Value: Sendable>(
        _ sql: StoreSQL,
        _ map: @escaping @Sendable (any StoreRow) throws -> Value
    ) async throws -> [Value] {
        try await faults.guarding(writes: false) { try await pool.read { db in try db.fetch(sql, map) } }
    }

    /// Group commit (`SQLiteCommitQueue`: each write in its own savepoint of a shared transaction).
    override func write<Plan: StorePlan>(_ plan: Plan) async throws -> Plan.Result {
        try await faults.guarding(writes: true) { try await commits.write { db in try db.run(plan) } }
    }

    public func commit(_ commit: StoreCommit) async throws -> CommitOutcome {
        try await write(try CommitPlan(commit, at: Timestamp(Date())))
    }

    /// A file system that was full when a write failed keeps the store unready until it has room
    /// again (`SQLiteFaults`); reads alone would not notice.
    override public func probe(within timeout: Duration) async throws {
        try faults.checkWritable()
        try await super.probe(within: timeout)
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
