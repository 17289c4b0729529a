/// A transaction whose rules are pure: it asks for reads, looks at their rows, and ends by saying
/// what to write and what to answer. Each store runs every plan with one short loop, so the rules
/// are written once (`UsageIntakePlan`).
protocol StorePlan {
    associatedtype Result

    /// Called first with no answers, then with the rows of each read it asked for, in order.
    mutating func next(_ answers: [[any StoreRow]]) throws -> StorePlanStep<Result>
}

enum StorePlanStep<Result> {
    case read([StoreSQL])
    case write([StoreSQL], Result)
}
