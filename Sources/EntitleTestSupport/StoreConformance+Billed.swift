import EntitleStore
import Foundation
import MarketplaceCore

extension StoreConformance {
    /// Operations reported in one answer add their quantities to their windows' days (what the
    /// console's chart reads, never the ledger); a rejected one adds nothing, and a report
    /// repeated adds nothing again. The cursor moves to the newest window reported.
    static func usageBilled(_ store: any Store) async throws {
        let id = try EntitlementID(unique("E"))
        let metric = unique("billed")
        _ = try await store.recordUsage(
            [
                submission(id, metric, 5, at: 10, key: "a"), submission(id, metric, 7, at: hour + 10, key: "b"),
                submission(id, metric, 4, at: 2 * hour + 10, key: "c"),
                submission(id, metric, 3, at: 17 * hour + 10, key: "d"),
            ],
            app: "a",
            windowLength: hour,
            at: base
        )
        let sealed = try await store.sealUsage(sealing(at: 18 * hour), at: base.adding(seconds: 18 * hour)).operations
            .filter { $0.entitlementID == id }.sorted { $0.window.start < $1.window.start }
        try require(sealed.map(\.quantity) == [5, 7, 4, 3], "four windows: \(sealed)")
        let reported = [sealed[0], sealed[1], sealed[3]].map {
            UsageOperationUpdate(id: $0.id, status: .reported, attempted: true)
        }
        let rejected = UsageOperationUpdate(id: sealed[2].id, status: .rejected, error: "refused", attempted: true)
        try await store.updateUsageOperations(reported + [rejected], at: base.adding(seconds: 18 * hour))
        try await store.updateUsageOperations([reported[0]], at: base.adding(seconds: 19 * hour))
        let day: Int64 = 86_400
        let first = base.seconds / day * day
        let billed = try await store.consoleActivity(since: base.adding(seconds: -day)).billedPerDay
            .filter { $0.metric == metric }.map { "\($0.day): \($0.quantity)" }
        // The base is 08:00 UTC: the first three windows fall in its day, the last in the next.
        try require(billed == ["\(first): 12.0", "\(first + day): 3.0"], "billed per day: \(billed)")
        try require(
            try await store.usageCursor(id)?.reportedUntil == base.adding(seconds: 18 * hour),
            "reportedUntil at the end of the newest window reported"
        )
    }
}
