import Entitle
import EntitleStore
import EntitleTestSupport
import Foundation
import MarketplaceCore
import Testing

/// `RetentionService`: pruning in small batches until nothing old is left.
/// What each kind keeps is the store's conformance check "retention: …".
@Suite(.paced) struct RetentionTests {
    @Test("pruning goes batch by batch on an injected clock until nothing is old, and leaves what is young")
    func batches() async throws {
        try await TemporaryDatabase.withPath { path in
            let store = try await SQLiteStore(path: path)
            let start = Timestamp(Date())
            for index in 0..<5 {
                let day = Int64(index < 3 ? 0 : 80) * 86_400
                try await store.recordPoison(
                    PoisonMessage(
                        messageID: "m\(index)",
                        data: Data(),
                        reason: "x",
                        receivedAt: start.adding(seconds: day)
                    )
                )
            }
            let clock = ManualClock(start.adding(seconds: 91 * 86_400))
            let service = RetentionService(store: store, policy: RetentionPolicy(), batch: 1, now: { clock.now })
            let pruned = try await service.pruneAll()
            #expect(pruned.poison == 3, "the three older than 90 days, one per batch: \(pruned)")
            #expect(try await store.poisonMessages(limit: 10).map(\.messageID) == ["m4", "m3"], "the young ones stay")
            clock.advance(seconds: 80 * 86_400)
            #expect(try await service.pruneAll().poison == 2)
        }
    }
}
