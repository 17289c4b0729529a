import Foundation
public import Logging
public import MarketplaceCore
import PostgresNIO

/// The store for several replicas: one PostgreSQL database (Cloud SQL, AlloyDB, any 13+) shared
/// by every `entitle serve`. The same `Store` contract as `SQLiteStore` (one method per
/// transaction, the same conformance suite), plus what concurrency needs: the newer `updateTime`
/// wins whatever the commit order, callbacks are claimed with `FOR UPDATE SKIP LOCKED`, writes
/// that must not interleave (a sign-up, one entitlement's usage) take transaction-scoped advisory
/// locks, and one replica leads by holding an advisory lock on a connection of its own.
public final class PostgresStore: Store {
    let client: PostgresClient
    let logger: Logger
    private let running: Task<Void, Never>
    public let settings: PostgresSettings

    /// Connects (the pool runs until `close`) and brings the schema up to date.
    public init(url: String, logger: Logger = Logger(label: "entitle.store")) async throws {
        settings = try PostgresSettings(url: url)
        var configuration = settings.client
        // One more than the pool serves requests with: the leader holds one connection for good.
        configuration.options.maximumConnections += 1
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        self.logger = logger
        // Leasing before `run` has begun works but logs a warning; start it first.
        let (started, signal) = AsyncStream<Void>.makeStream()
        running = Task {
            signal.finish()
            await client.run()
        }
        for await _ in started {}
        await Task.yield()
        do {
            try await PostgresMigrations.migrate(client, logger: logger)
        } catch {
            running.cancel()
            throw error
        }
    }

    /// Closes the pool's connections.
    public func close() async {
        running.cancel()
        _ = await running.value
    }

    deinit { running.cancel() }

    // MARK: Running queries

    func read<Value: Sendable>(_ body: (PostgresConnection) async throws -> Value) async throws -> Value {
        try await client.withConnection { connection in try await body(connection) }
    }

    /// One transaction. What the body threw comes out as it was (a `UsageConflict` stays one), once
    /// the transaction is rolled back; PostgresNIO's wrapper only when BEGIN, ROLLBACK or COMMIT failed.
    func write<Value: Sendable>(_ body: (PostgresConnection) async throws -> Value) async throws -> Value {
        do {
            return try await client.withTransaction(logger: logger) { connection in try await body(connection) }
        } catch let error as PostgresTransactionError {
            if let thrown = error.closureError, error.rollbackError == nil { throw thrown }
            throw error
        }
    }

    /// A lock for the rest of the transaction on a name (a sign-up's account, an entitlement's usage).
    func lock(_ name: String, on connection: PostgresConnection) async throws {
        try await run("SELECT pg_advisory_xact_lock(hashtextextended(\(name), 0))", on: connection)
    }

    // MARK: Notifications

    public func isProcessed(eventID: String) async throws -> Bool {
        try await read { try await fetchOne(RecordSQL.isProcessed(eventID), on: $0) != nil }
    }

    public func entitlement(_ id: EntitlementID) async throws -> LocalEntitlement? {
        try await read { try await fetchOne(RecordSQL.entitlement(id), on: $0).map(RecordSQL.record) }
    }

    public func account(_ id: AccountID) async throws -> LocalAccount? {
        try await read { try await fetchOne(RecordSQL.account(id), on: $0).map(RecordSQL.record) }
    }

    public func commit(_ commit: StoreCommit) async throws -> CommitOutcome {
        try await write { connection in
            let now = Timestamp(Date())
            // Another worker or replica committed this event first: write nothing more.
            if let eventID = commit.eventID,
                try await fetch(CommitSQL.claim(eventID: eventID, at: now), on: connection).isEmpty
            {
                return .alreadyProcessed
            }
            try await apply(commit, at: now, on: connection)
            return .committed
        }
    }

    /// Everything of a commit but its inbox row.
    func apply(_ commit: StoreCommit, at now: Timestamp, on connection: PostgresConnection) async throws {
        for statement in try CommitSQL.statements(commit, at: now) { try await run(statement, on: connection) }
    }

    public func recordPoison(_ message: PoisonMessage) async throws {
        try await write { try await run(RecordSQL.insert(message), on: $0) }
    }

    public func poisonMessages(limit: Int) async throws -> [PoisonMessage] {
        try await read { try await fetch(RecordSQL.poisonMessages(limit: limit), on: $0).map(RecordSQL.poisonMessage) }
    }

    // MARK: Reading

    public func entitlements(ofAccount account: AccountID) async throws -> [LocalEntitlement] {
        try await read { try await fetch(RecordSQL.entitlements(ofAccount: account), on: $0).map(RecordSQL.record) }
    }

    public func entitlements(
        state: EntitlementState?,
        after: EntitlementID?,
        limit: Int
    ) async throws -> [LocalEntitlement] {
        try await read { connection in
            try await fetch(RecordSQL.entitlements(state: state, after: after, limit: limit), on: connection).map(
                RecordSQL.record
            )
        }
    }

    public func auditLog(subject: String?, limit: Int) async throws -> [AuditEntry] {
        try await read {
            try await fetch(RecordSQL.auditLog(subject: subject, limit: limit), on: $0).map(RecordSQL.auditEntry)
        }
    }
}
