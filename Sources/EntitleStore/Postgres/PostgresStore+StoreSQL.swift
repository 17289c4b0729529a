import Foundation
import PostgresNIO

/// Running a `StoreSQL` on PostgreSQL, on a connection of the pool or of a transaction.
extension PostgresStore {
    func run(_ sql: StoreSQL, on connection: PostgresConnection) async throws {
        try await connection.query(sql.postgresQuery(), logger: logger)
    }

    func fetch(_ sql: StoreSQL, on connection: PostgresConnection) async throws -> [PGRow] {
        var rows: [PGRow] = []
        for try await row in try await connection.query(sql.postgresQuery(), logger: logger) { rows.append(PGRow(row)) }
        return rows
    }

    /// Each row mapped as it arrives, never all of them held first.
    func fetch<Value>(
        _ sql: StoreSQL,
        on connection: PostgresConnection,
        _ map: (any StoreRow) throws -> Value
    ) async throws -> [Value] {
        var values: [Value] = []
        for try await row in try await connection.query(sql.postgresQuery(), logger: logger) {
            values.append(try map(PGRow(row)))
        }
        return values
    }

    /// Runs a plan's reads and then its writes, in the transaction `connection` is in.
    func run<Plan: StorePlan>(_ plan: Plan, on connection: PostgresConnection) async throws -> Plan.Result {
        var plan = plan
        var answers: [[any StoreRow]] = []
        while true {
            switch try plan.next(answers) {
            case .read(let reads):
                answers = []
                for read in reads { answers.append(try await fetch(read, on: connection)) }
            case .write(let writes, let result):
                for statement in writes { try await run(statement, on: connection) }
                return result
            case .writeTogether(let writes, let result):
                if let together = StoreSQL.together(writes) { try await run(together, on: connection) }
                return result
            }
        }
    }
}

extension StoreSQL {
    func postgresQuery() throws -> PostgresQuery {
        var bindings = PostgresBindings(capacity: arguments.count)
        for value in arguments {
            switch value {
            case .null: bindings.appendNull()
            case .integer(let integer): bindings.append(integer)
            case .real(let real): bindings.append(real)
            case .text(let text): bindings.append(text)
            case .blob(let data): try bindings.append(data)
            case .bool(let bool): bindings.append(bool)
            case .texts(let texts): bindings.append(texts)
            case .integers(let integers): bindings.append(integers)
            case .bools(let bools): bindings.append(bools)
            }
        }
        return PostgresQuery(unsafeSQL: postgres, binds: bindings)
    }
}

/// A row read by column name.
struct PGRow: StoreRow {
    let row: PostgresRandomAccessRow

    init(_ row: PostgresRow) {
        self.row = row.makeRandomAccess()
    }

    func get<Value: StoreColumn>(_ column: String, as type: Value.Type) throws -> Value {
        guard row.contains(column) else { throw StoreRowError(column: column, problem: "not in the row") }
        return try Value.decode(postgres: row[column])
    }
}
