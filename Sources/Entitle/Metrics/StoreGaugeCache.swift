import EntitleStore
import Foundation

/// The store's gauges for `/metrics`, read at most once per `maxAge` however many scrape: scrapes
/// within it share the last reading, and scrapes that come while one is being read wait for it
/// rather than each starting its own. So clients scraping in a loop cost the store one small
/// query every few seconds, not one per request.
actor StoreGaugeCache {
    let store: any Store
    let maxAge: Duration
    private var last: (at: ContinuousClock.Instant, counts: StoreCounts)?
    private var reading: Task<StoreCounts, any Error>?

    init(store: any Store, maxAge: Duration = .seconds(5)) {
        self.store = store
        self.maxAge = maxAge
    }

    func counts() async throws -> StoreCounts {
        if let last, ContinuousClock.now - last.at < maxAge { return last.counts }
        if let reading { return try await reading.value }
        let store = self.store
        let task = Task { try await store.counts() }
        reading = task
        defer { reading = nil }
        let counts = try await task.value
        last = (ContinuousClock.now, counts)
        return counts
    }
}
