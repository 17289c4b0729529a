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

    func rows(_ query: PostgresQuery, on connection: PostgresConnection) async throws -> [PGRow] {
        var rows: [PGRow] = []
        for try await row in try await connection.query(query, logger: logger) { rows.append(PGRow(row)) }
        return rows
    }

    func execute(_ query: PostgresQuery, on connection: PostgresConnection) async throws {
        try await connection.query(query, logger: logger)
    }

    /// Rows a write changed, for `UPDATE … RETURNING 1` and `DELETE … RETURNING 1`.
    func changed(_ query: PostgresQuery, on connection: PostgresConnection) async throws -> Int {
        try await rows(query, on: connection).count
    }

    /// A lock for the rest of the transaction on a name (a sign-up's account, an entitlement's usage).
    func lock(_ name: String, on connection: PostgresConnection) async throws {
        try await execute("SELECT pg_advisory_xact_lock(hashtextextended(\(name), 0))", on: connection)
    }

    // MARK: Notifications

    public func isProcessed(eventID: String) async throws -> Bool {
        try await read { try await !rows("SELECT 1 FROM inbox WHERE event_id = \(eventID)", on: $0).isEmpty }
    }

    public func entitlement(_ id: EntitlementID) async throws -> LocalEntitlement? {
        try await read { connection in
            try await rows("SELECT record FROM entitlement WHERE id = \(id.rawValue)", on: connection).first.map {
                try StoreJSON.decode($0.get("record"))
            }
        }
    }

    public func account(_ id: AccountID) async throws -> LocalAccount? {
        try await read { connection in
            try await rows("SELECT record FROM account WHERE id = \(id.rawValue)", on: connection).first.map {
                try StoreJSON.decode($0.get("record"))
            }
        }
    }

    public func commit(_ commit: StoreCommit) async throws -> CommitOutcome {
        try await write { connection in
            if let eventID = commit.eventID {
                let inserted = try await changed(
                    """
                    INSERT INTO inbox (event_id, processed_at) VALUES (\(eventID), \(Timestamp(Date()).micros))
                    ON CONFLICT (event_id) DO NOTHING RETURNING 1
                    """,
                    on: connection
                )
                // Another worker or replica committed this event first: write nothing more.
                guard inserted == 1 else { return .alreadyProcessed }
            }
            try await apply(commit, on: connection)
            return .committed
        }
    }

    /// Everything of a commit but its inbox row.
    func apply(_ commit: StoreCommit, on connection: PostgresConnection) async throws {
        for account in commit.accounts { try await upsert(account, on: connection) }
        for entitlement in commit.entitlements { try await upsert(entitlement, on: connection) }
        for item in commit.callbacks { try await insert(item, on: connection) }
        for entry in commit.audit { try await insert(entry, on: connection) }
        for account in commit.erase { try await erase(account, on: connection) }
    }

    public func recordPoison(_ message: PoisonMessage) async throws {
        try await write { connection in
            try await execute(
                """
                INSERT INTO poison_message (message_id, data, attributes, reason, received_at)
                VALUES (\(message.messageID), \(message.data), \(try StoreJSON.encode(message.attributes)), \(message.reason), \(message.receivedAt.micros))
                """,
                on: connection
            )
        }
    }

    public func poisonMessages(limit: Int) async throws -> [PoisonMessage] {
        try await read { connection in
            try await rows("SELECT * FROM poison_message ORDER BY id DESC LIMIT \(limit)", on: connection).map { row in
                PoisonMessage(
                    id: try row.get("id"),
                    messageID: try row.get("message_id"),
                    data: try row.get("data"),
                    attributes: try StoreJSON.decode(row.get("attributes")),
                    reason: try row.get("reason"),
                    receivedAt: Timestamp(micros: try row.get("received_at"))
                )
            }
        }
    }

    // MARK: Reading

    public func entitlements(ofAccount account: AccountID) async throws -> [LocalEntitlement] {
        try await read { connection in
            try await rows("SELECT record FROM entitlement WHERE account_id = \(account.rawValue) ORDER BY id", on: connection).map {
                try StoreJSON.decode($0.get("record"))
            }
        }
    }

    public func entitlements(state: EntitlementState?, after: EntitlementID?, limit: Int) async throws -> [LocalEntitlement] {
        try await read { connection in
            try await rows(
                """
                SELECT record FROM entitlement WHERE (\(state?.rawValue)::TEXT IS NULL OR state = \(state?.rawValue))
                    AND id > \(after?.rawValue ?? "") ORDER BY id LIMIT \(limit)
                """,
                on: connection
            ).map { try StoreJSON.decode($0.get("record")) }
        }
    }

    public func auditLog(subject: String?, limit: Int) async throws -> [AuditEntry] {
        try await read { connection in
            try await rows(
                "SELECT * FROM audit_log WHERE (\(subject)::TEXT IS NULL OR subject = \(subject)) ORDER BY id DESC LIMIT \(limit)",
                on: connection
            ).map { row in
                AuditEntry(
                    id: try row.get("id"),
                    at: Timestamp(micros: try row.get("at")),
                    kind: AuditEntry.Kind(rawValue: try row.get("kind")) ?? .action,
                    subject: try row.get("subject"),
                    eventID: try row.get("event_id"),
                    summary: try row.get("summary"),
                    payload: try row.get("payload")
                )
            }
        }
    }
}

/// A row read by column name.
struct PGRow {
    let row: PostgresRandomAccessRow

    init(_ row: PostgresRow) {
        self.row = row.makeRandomAccess()
    }

    func get<Value: PostgresDecodable>(_ column: String, as type: Value.Type = Value.self) throws -> Value {
        try row[column].decode(Value.self)
    }
}
