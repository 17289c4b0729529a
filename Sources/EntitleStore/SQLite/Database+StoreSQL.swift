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

    /// Runs a plan's reads and then its writes, in the transaction this is called in.
    func run<Plan: StorePlan>(_ plan: Plan) throws -> Plan.Result {
        var plan = plan
        var answers: [[any StoreRow]] = []
        while true {
            switch try plan.next(answers) {
            case .read(let reads): answers = try reads.map { try fetch($0) }
            case .write(let writes, let result):
                for statement in writes { try run(statement) }
                return result
            }
        }
    }
}

extension StoreSQL {
    var grdbArguments: StatementArguments {
        StatementArguments(
            arguments.map { value -> DatabaseValue in
                switch value {
                case .null: .null
                case .integer(let integer): integer.databaseValue
                case .real(let real): real.databaseValue
                case .text(let text): text.databaseValue
                case .blob(let data): data.databaseValue
                case .bool(let bool): bool.databaseValue
                }
            }
        )
    }
}
