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
        super.init()
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

    // MARK: Running plans

    override func read<Plan: StorePlan>(_ plan: Plan) async throws -> Plan.Result {
        try await client.withConnection { connection in try await run(plan, on: connection) }
    }

    override func fetch<Value: Sendable>(
        _ sql: StoreSQL,
        _ map: @escaping @Sendable (any StoreRow) throws -> Value
    ) async throws -> [Value] {
        try await client.withConnection { connection in try await fetch(sql, on: connection, map) }
    }

    override func write<Plan: StorePlan>(_ plan: Plan) async throws -> Plan.Result {
        try await transaction { connection in try await run(plan, on: connection) }
    }

    /// One transaction. What the body threw comes out as it was (a `UsageConflict` stays one), once
    /// the transaction is rolled back; PostgresNIO's wrapper only when BEGIN, ROLLBACK or COMMIT failed.
    func transaction<Value: Sendable>(_ body: (PostgresConnection) async throws -> Value) async throws -> Value {
        do {
            return try await client.withTransaction(logger: logger) { connection in try await body(connection) }
        } catch let error as PostgresTransactionError {
            if let thrown = error.closureError, error.rollbackError == nil { throw thrown }
            throw error
        }
    }

    public func commit(_ commit: StoreCommit) async throws -> CommitOutcome {
        try await write(CommitPlan(commit, at: Timestamp(Date())))
    }
}
