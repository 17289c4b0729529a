import MarketplaceCore

/// The `Store` contract written once, over `StoreSQL` statements and `StorePlan` rules (the
/// `SQLStore+…` files; the statements are in `SQL/`). `SQLiteStore` and `PostgresStore` say how
/// a plan runs in a read and in a write transaction, and add what only they do: SQLite's group
/// commit, PostgreSQL's advisory locks, leadership and subject leases, each one's savepoints.
///
/// Unchecked `Sendable`: its state is immutable or guards itself; its subclasses' is immutable or
/// their own to guard.
public class SQLStore: @unchecked Sendable {
    /// Entitlements as usage intake last decoded them (`DecodedRecords`).
    let decodedEntitlements = DecodedRecords<LocalEntitlement>()
    /// Usage batches that arrive together, taken in together.
    let usageIntake: UsageIntakeQueue
    /// How lists are cut into statements (`ListSlicing`).
    let listSlicing: ListSlicing

    /// - Parameters:
    ///   - intakeConcurrency: usage intake transactions written at once (`UsageIntakeQueue`).
    ///   - intakeRecords: records one of them takes at most.
    ///   - listSlicing: how a list is cut into statements.
    init(intakeConcurrency: Int, intakeRecords: Int, listSlicing: ListSlicing) {
        usageIntake = UsageIntakeQueue(concurrency: intakeConcurrency, maximumRecords: intakeRecords)
        self.listSlicing = listSlicing
    }

    /// Runs a plan in one read transaction. Each store overrides this.
    func read<Plan: StorePlan>(_ plan: Plan) async throws -> Plan.Result {
        fatalError("\(type(of: self)) must say how it reads")
    }

    /// Runs a plan in one write transaction. Each store overrides this.
    func write<Plan: StorePlan>(_ plan: Plan) async throws -> Plan.Result {
        fatalError("\(type(of: self)) must say how it writes")
    }

    /// One query's rows, each mapped. The stores override it to map rows as they are read: a
    /// plan holds all of a read's rows, which for a large one (every entitlement with unsealed
    /// usage) raised the usage pass's peak memory by 20–45 MB.
    func fetch<Value: Sendable>(
        _ sql: StoreSQL,
        _ map: @escaping @Sendable (any StoreRow) throws -> Value
    ) async throws -> [Value] {
        try await read(Fetch(sql, map))
    }

    /// Returns when the database answers a trivial read within `timeout` (readiness probes),
    /// throws `StoreError.unavailable` when it does not. An SQLite file is always at hand.
    public func probe(within timeout: Duration) async throws {
        _ = try await fetchOne("SELECT 1 AS one") { _ in true }
    }

    func fetchOne<Value: Sendable>(
        _ sql: StoreSQL,
        _ map: @escaping @Sendable (any StoreRow) throws -> Value
    ) async throws -> Value? {
        try await fetch(sql, map).first
    }

    func execute(_ statements: StoreSQL...) async throws {
        try await write(Execute(statements: statements))
    }

    /// Rows a write changed (its statement says `RETURNING 1`).
    func changed(_ sql: StoreSQL) async throws -> Int {
        try await write(Fetch(sql) { _ in () }).count
    }
}
