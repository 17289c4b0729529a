import MarketplaceCore

/// What the operations Google just accepted change besides themselves: each entitlement's cursor
/// moves to the end of its newest window reported, and each day's billed total per metric grows
/// (the console's chart reads those totals, never the ledger). Statements come in one order —
/// entitlements, then days and metrics — so two replicas' transactions take rows in one order.
struct ReportedUsage {
    private struct Day: Hashable, Comparable {
        var start: Int64
        var metric: String

        static func < (lhs: Day, rhs: Day) -> Bool { (lhs.start, lhs.metric) < (rhs.start, rhs.metric) }
    }

    /// The start of the UTC day `micros` falls in: the key of a billed total.
    static func dayStart(_ micros: Int64) -> Int64 { micros / 86_400_000_000 * 86_400_000_000 }

    private var cursors: [String: Timestamp] = [:]
    private var billed: [Day: Double] = [:]

    /// A row the update returned (`UsageLedgerSQL.update`).
    mutating func add(_ row: any StoreRow) throws {
        let entitlement: String = try row.get("entitlement_id")
        let end = try row.time("window_end")
        cursors[entitlement] = max(cursors[entitlement] ?? end, end)
        let start: Int64 = try row.get("window_start")
        let day = Day(start: Self.dayStart(start), metric: try row.get("metric"))
        billed[day, default: 0] += Double(try row.get("quantity", as: Int64.self))
    }

    var statements: [StoreSQL] {
        cursors.sorted { $0.key < $1.key }.map { UsageLedgerSQL.advanceReported($0.key, to: $0.value) }
            + billed.sorted { $0.key < $1.key }.map {
                UsageLedgerSQL.addBilled(
                    day: Timestamp(micros: $0.key.start),
                    metric: $0.key.metric,
                    quantity: $0.value
                )
            }
    }
}
