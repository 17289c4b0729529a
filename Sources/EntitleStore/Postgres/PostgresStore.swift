import Foundation
public import Logging
import MarketplaceCore
import PostgresNIO

/// The store for several replicas: one PostgreSQL database (Cloud SQL, AlloyDB, any 13+) shared
/// by every `entitle serve`. The same `Store` contract as `SQLiteStore` (one method per
/// transaction, the same conformance suite), plus what concurrency needs: the newer `updateTime`
/// wins whatever the commit order, callbacks are claimed with `FOR UPDATE SKIP LOCKED`, writes
/// that must not interleave (a sign-up, one entitlement's usage) take transaction-scoped advisory
/// locks, and one replica leads by holding an advisory lock on a connection of its own.
///
/// Unchecked `Sendable` as `SQLStore` is: its state is immutable (`let`) and itself `Sendable`.
public final class PostgresStore: SQLStore, Store, @unchecked Sendable {
    let client: PostgresClient
    let logger: Logger
    private let running: Task<Void, Never>
    public let settings: PostgresSettings
    /// How long any call may wait for a connection and the server's answers (`PostgresDeadline`).
    public let timeout: Duration

    /// Connects (the pool runs until `close`) and brings the schema up to date. Every later call
    /// ends within `timeout`, with `StoreError.unavailable` when the server did not answer.
    public init(
        url: String,
        timeout: Duration = .seconds(5),
        logger: Logger = Logger(label: "entitle.store")
    ) async throws {
        settings = try PostgresSettings(url: url)
        self.timeout = timeout
        var configuration = settings.client
        // One more than the pool serves requests with: the leader holds one connection for good.
        configuration.options.maximumConnections += 1
        configuration.options.connectTimeout = timeout
        configuration.options.additionalStartupParameters += Self.sessionBounds(timeout)
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        self.logger = logger
        // Leasing before `run` has begun works but logs a warning; start it first.
        let (started, signal) = AsyncStream<Void>.makeStream()
        running = Task {
            signal.finish()
            await client.run()
        }
        // A few intake transactions at once, each on a connection of its own, and each no larger
        // than the largest request (1,000 records), so that one fits the transaction's bound.
        super.init(intakeConcurrency: 4, intakeRecords: 1000, listSlicing: .arrays)
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

    /// The server's side of the bound, set for each session at connect: a statement or an idle
    /// transaction left by a client that gave up is ended by the server too (so its locks go), and
    /// the server notices a client that vanished (a partition) within seconds, not the kernel's
    /// two hours, which is what releases a lost leader's lock.
    static func sessionBounds(_ timeout: Duration) -> [(String, String)] {
        let milliseconds = max(1, Int(timeout.seconds * 1000))
        let seconds = max(1, Int(timeout.seconds.rounded(.up)))
        return [
            ("statement_timeout", "\(milliseconds)"),
            ("idle_in_transaction_session_timeout", "\(milliseconds * 2)"),
            ("tcp_keepalives_idle", "\(seconds)"),
            ("tcp_keepalives_interval", "1"),
            ("tcp_keepalives_count", "3"),
            ("tcp_user_timeout", "\(milliseconds * 2)"),
        ]
    }

    // MARK: Running plans

    override func read<Plan: StorePlan>(_ plan: Plan) async throws -> Plan.Result {
        try await PostgresDeadline.withConnection(client, timeout: timeout) { connection in
            try await self.run(plan, on: connection)
        }
    }

    override func fetch<Value: Sendable>(
        _ sql: StoreSQL,
        _ map: @escaping @Sendable (any StoreRow) throws -> Value
    ) async throws -> [Value] {
        try await PostgresDeadline.withConnection(client, timeout: timeout) { connection in
            try await self.fetch(sql, on: connection, map)
        }
    }

    /// Within the probe's own bound, shorter than the store's: a readiness probe must answer
    /// before the load balancer gives up on it.
    override public func probe(within timeout: Duration) async throws {
        _ = try await PostgresDeadline.withConnection(client, timeout: min(timeout, self.timeout)) {
            [logger] connection in
            try await connection.query("SELECT 1", logger: logger)
        }
    }

    /// A plan of one statement runs without BEGIN and COMMIT: they were two of its three round
    /// trips (a notification's subject lease is taken and given back this way).
    override func write<Plan: StorePlan>(_ plan: Plan) async throws -> Plan.Result {
        guard plan.needsTransaction else { return try await read(plan) }
        return try await transaction { connection in try await self.run(plan, on: connection) }
    }

    /// The bound of the leader's batch work (sealing a hundred entitlements in one transaction):
    /// longer than a request's, which it would outgrow on a busy database and then never finish,
    /// but still a bound, so a dead connection cannot hold the leader for ever.
    var batchTimeout: Duration { max(timeout * 12, .seconds(60)) }

    /// One transaction, within `bound` (the store's `timeout` unless said) from lease to COMMIT.
    /// What the body threw comes out as it was (a `UsageConflict` stays one), once the transaction
    /// is rolled back; PostgresNIO's wrapper only when BEGIN, ROLLBACK or COMMIT failed.
    func transaction<Value: Sendable>(
        bound: Duration? = nil,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Value
    ) async throws -> Value {
        try await PostgresDeadline.withConnection(client, timeout: bound ?? timeout) { [logger] connection in
            do {
                return try await connection.withTransaction(logger: logger) { try await body($0) }
            } catch let error as PostgresTransactionError {
                if let thrown = error.closureError, error.rollbackError == nil { throw thrown }
                let parts = [error.beginError, error.closureError, error.rollbackError, error.commitError]
                throw parts.lazy.compactMap { $0.flatMap(PostgresDeadline.unavailable) }.first ?? error
            }
        }
    }

    /// A notification's commit in one round trip when it can be (`CommitSQL.oneStatement`),
    /// else in a transaction.
    public func commit(_ commit: StoreCommit) async throws -> CommitOutcome {
        let now = Timestamp(Date())
        guard let statement = try CommitSQL.oneStatement(commit, at: now) else {
            return try await write(CommitPlan(commit, at: now))
        }
        do {
            try await PostgresDeadline.withConnection(client, timeout: timeout) { connection in
                try await self.run(statement, on: connection)
            }
            return .committed
        } catch let error as PSQLError
            where error.serverInfo?[.sqlState] == "23505"
            && error.serverInfo?[.constraintName] == CommitSQL.claimedTwice
        {
            // Processed already, by another worker or replica: nothing of this commit stayed, and
            // its lease goes back all the same.
            for release in CommitSQL.release(commit) { try await execute(release) }
            return .alreadyProcessed
        }
    }
}
