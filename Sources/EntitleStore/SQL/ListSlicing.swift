/// How a store sends a list to statements that take one (`IN (…)`, a multi-row `VALUES`): what is
/// cheap differs. SQLite prepares each statement's text once and keeps it (GRDB's cache), and runs
/// statements in its own process; PostgreSQL's statements here are not kept (unnamed), and each
/// costs a round trip — with power-of-two slices a plan of 15 records made four inserts, four
/// look-ups and four upserts, and its transaction waited on each.
enum ListSlicing: Sendable {
    /// SQLite: slices whose sizes are powers of two up to 256, largest first (`slices`). A
    /// statement's text then comes in at most nine lengths, each prepared once and cached, however
    /// batches vary; a batch of 1,000 is 7 statements rather than 1,000.
    case cachedLengths
    /// PostgreSQL: one statement a list, whatever its length, with one value bound per column as
    /// an array (`unnest`, `= ANY`; `SQLValue.texts`). A multi-row insert of 1,000 records bound
    /// 10,000 values, and parsing and binding them took as long as the insert.
    case arrays

    /// The longest slice `cachedLengths` cuts.
    static let longestSlice = 256

    /// `items` in slices of `cachedLengths`: every item once, in order.
    static func slices<Item>(_ items: [Item]) -> [ArraySlice<Item>] {
        var slices: [ArraySlice<Item>] = []
        var start = items.startIndex
        while start < items.endIndex {
            var size = longestSlice
            while size > items.endIndex - start { size /= 2 }
            slices.append(items[start..<(start + size)])
            start += size
        }
        return slices
    }
}

extension ListSlicing {
    /// The statements taking `items`: SQLite's one a slice (`sliced`), PostgreSQL's one for the
    /// whole list (`whole`, binding arrays), none when there are no items.
    func statements<Item>(
        _ items: [Item],
        sliced: (ArraySlice<Item>) -> StoreSQL,
        whole: ([Item]) -> StoreSQL
    ) -> [StoreSQL] {
        switch self {
        case .cachedLengths: Self.slices(items).map(sliced)
        case .arrays: items.isEmpty ? [] : [whole(items)]
        }
    }
}
