/// How a store cuts a list for statements that take one (`IN (…)`, a multi-row `VALUES`): what is
/// cheap differs. SQLite prepares each statement's text once and keeps it (GRDB's cache), and runs
/// statements in its own process; PostgreSQL's statements here are not kept (unnamed), and each
/// costs a round trip — with power-of-two slices a plan of 15 records made four inserts, four
/// look-ups and four upserts, and its transaction waited on each.
struct ListSlicing: Sendable {
    /// SQLite: slices whose sizes are powers of two up to 256, largest first. A statement's text
    /// then comes in at most nine lengths, each prepared once and cached, however batches vary; a
    /// batch of 1,000 is 7 statements rather than 1,000.
    static let cachedLengths = ListSlicing(maximum: 256, powersOfTwo: true)
    /// PostgreSQL: as few statements as the list needs, of even sizes up to 1,024 (a row of 10
    /// values then binds 10,240 of the protocol's 65,535 parameters).
    static let fewest = ListSlicing(maximum: 1024, powersOfTwo: false)
    /// PostgreSQL as it runs: a list a statement can take as arrays (`unnest`, `= ANY`) is one
    /// statement with one value bound per column, whatever its length — a multi-row insert of
    /// 1,000 records bound 10,000 values, and parsing and binding them took as long as the insert
    /// (`UsageIntakeSQL+Lists`); `fewest` for the others.
    static let arrays = ListSlicing(maximum: 1024, powersOfTwo: false, bindsArrays: true)

    let maximum: Int
    let powersOfTwo: Bool
    /// Binds a list as arrays where the statement allows (`SQLValue.texts`; never SQLite).
    let bindsArrays: Bool

    init(maximum: Int, powersOfTwo: Bool, bindsArrays: Bool = false) {
        precondition(maximum > 0 && (!powersOfTwo || maximum & (maximum - 1) == 0), "slices are a power of two long")
        self.maximum = maximum
        self.powersOfTwo = powersOfTwo
        self.bindsArrays = bindsArrays
    }

    func callAsFunction<Item>(_ items: [Item]) -> [ArraySlice<Item>] {
        var slices: [ArraySlice<Item>] = []
        var start = items.startIndex
        if !powersOfTwo {
            let count = (items.count + maximum - 1) / maximum
            for index in 0..<count {
                let end = items.startIndex + items.count * (index + 1) / count
                slices.append(items[start..<end])
                start = end
            }
            return slices
        }
        while start < items.endIndex {
            var size = maximum
            while size > items.endIndex - start { size /= 2 }
            slices.append(items[start..<(start + size)])
            start += size
        }
        return slices
    }
}
