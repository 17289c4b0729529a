import Foundation
import GRDB

/// Running a `StoreSQL` on SQLite: every statement is prepared once per connection and cached.
extension Database {
    func run(_ sql: StoreSQL) throws {
        guard !sql.postgresOnly else { return }
        try cachedStatement(sql: sql.sqlite).execute(arguments: sql.grdbArguments)
    }

    func fetch(_ sql: StoreSQL) throws -> [Row] {
        guard !sql.postgresOnly else { return [] }
        return try Row.fetchAll(cachedStatement(sql: sql.sqlite), arguments: sql.grdbArguments)
    }

    /// Each row mapped as it is read: GRDB reuses one row, so a large result is never held twice
    /// (all its rows copied, then mapped).
    func fetch<Value>(_ sql: StoreSQL, _ map: (any StoreRow) throws -> Value) throws -> [Value] {
        guard !sql.postgresOnly else { return [] }
        let rows = try Row.fetchCursor(cachedStatement(sql: sql.sqlite), arguments: sql.grdbArguments)
        var values: [Value] = []
        while let row = try rows.next() { values.append(try map(row)) }
        return values
    }

    /// Runs a plan's reads and then its writes, in the transaction this is called in.
    func run<Plan: StorePlan>(_ plan: Plan) throws -> Plan.Result {
        var plan = plan
        var answers: [[any StoreRow]] = []
        while true {
            switch try plan.next(answers) {
            case .read(let reads): answers = try reads.map { try fetch($0) }
            case .write(let writes, let result), .writeTogether(let writes, let result):
                for statement in writes { try run(statement) }
                return result
            }
        }
    }
}

extension StoreSQL {
    /// As GRDB binds them. (Built from an array of existentials: GRDB's initializer from a
    /// sequence of `DatabaseValue`s maps it through a key path, which cost a fifth of a commit.)
    var grdbArguments: StatementArguments {
        var values: [(any DatabaseValueConvertible)?] = []
        values.reserveCapacity(arguments.count)
        for value in arguments {
            switch value {
            case .null: values.append(nil)
            case .integer(let integer): values.append(integer)
            case .real(let real): values.append(real)
            case .text(let text): values.append(text)
            case .blob(let data): values.append(data)
            case .bool(let bool): values.append(bool)
            case .texts, .integers, .bools: preconditionFailure("SQLite binds no arrays (ListSlicing.cachedLengths)")
            }
        }
        return StatementArguments(values)
    }
}
