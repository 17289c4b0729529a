/// A transaction whose rules are pure: it asks for reads, looks at their rows, and ends by saying
/// what to write and what to answer. `SQLStore` runs every plan the same way on both stores, so
/// each query and rule is written once; only how a statement reaches the database differs.
protocol StorePlan: Sendable {
    associatedtype Result: Sendable

    /// Called first with no answers, then with the rows of each statement it asked for, in order.
    /// A statement asked for may write (an `UPDATE … RETURNING`, or none back): it runs then.
    mutating func next(_ answers: [[any StoreRow]]) throws -> StorePlanStep<Result>

    /// False when the plan is one statement, which is atomic alone: a store whose transactions
    /// cost round trips (PostgreSQL's BEGIN and COMMIT) runs it without one.
    var needsTransaction: Bool { get }
}

extension StorePlan {
    var needsTransaction: Bool { true }
}

enum StorePlanStep<Result> {
    case read([StoreSQL])
    case write([StoreSQL], Result)
    /// Writes to rows no other of them touches, none of them depending on another's effect: a
    /// store whose statements are round trips sends them as one (`StoreSQL.together`).
    case writeTogether([StoreSQL], Result)
}

/// One statement's rows, each mapped (a query, or a write with `RETURNING`).
struct Fetch<Value: Sendable>: StorePlan {
    let sql: StoreSQL
    let map: @Sendable (any StoreRow) throws -> Value
    private var asked = false

    init(_ sql: StoreSQL, _ map: @escaping @Sendable (any StoreRow) throws -> Value) {
        self.sql = sql
        self.map = map
    }

    mutating func next(_ answers: [[any StoreRow]]) throws -> StorePlanStep<[Value]> {
        guard asked else {
            asked = true
            return .read([sql])
        }
        return .write([], try answers[0].map(map))
    }

    var needsTransaction: Bool { false }
}

/// Statements run in order; nothing to read.
struct Execute: StorePlan {
    let statements: [StoreSQL]

    func next(_ answers: [[any StoreRow]]) throws -> StorePlanStep<Void> { .write(statements, ()) }

    var needsTransaction: Bool { statements.count > 1 }
}

/// A plan of a few steps written as one function of every read's rows so far (one list per
/// statement, in the order asked), which says what to read next or what to write and answer.
///
/// Unchecked: it holds rows, which are not `Sendable`, only while it runs inside one transaction.
struct Steps<Result: Sendable>: StorePlan, @unchecked Sendable {
    let step: @Sendable (_ rows: [[any StoreRow]]) throws -> StorePlanStep<Result>
    private var rows: [[any StoreRow]] = []

    init(_ step: @escaping @Sendable (_ rows: [[any StoreRow]]) throws -> StorePlanStep<Result>) {
        self.step = step
    }

    mutating func next(_ answers: [[any StoreRow]]) throws -> StorePlanStep<Result> {
        rows += answers
        return try step(rows)
    }
}
