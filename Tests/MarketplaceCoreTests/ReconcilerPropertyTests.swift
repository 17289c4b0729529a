import MarketplaceCore
import Testing

/// Random purchase histories, delivered in order and then shuffled, duplicated, read with lag and
/// interrupted by crashes before commit: both runs must end in the same local state, equal to
/// Google's, with approvals only where the re-read state needed them (contract §1.4).
@Suite struct ReconcilerPropertyTests {
    static let histories = 600
    static let baseSeed: UInt64 = 0x5EED_2026

    @Test("shuffled, duplicated, lagging, crashing delivery converges to in-order delivery and to Google")
    func convergence() {
        var totals = (events: 0, refused: 0, crashes: 0)
        for index in 0..<Self.histories {
            let seed = Self.baseSeed &+ UInt64(index)
            var random = SeededRandom(seed: seed)
            let history = PurchaseHistory.random(using: &random)
            let ordered = HistoryRun.run(history, seed: seed, chaos: false)
            let chaotic = HistoryRun.run(history, seed: seed, chaos: true)
            totals.events += chaotic.deliveries
            totals.refused += chaotic.simulation.refusedAfterLaggingRead
            totals.crashes += chaotic.crashes
            let failures = HistoryRun.compare(ordered, chaotic)
            if !failures.isEmpty {
                Issue.record(
                    "seed \(seed) (history \(index), replay with SeededRandom(seed: \(seed))): \(failures.joined(separator: "; "))\nsteps: \(history.steps)"
                )
                return
            }
        }
        print(
            "convergence: \(Self.histories) histories, \(totals.events) chaotic deliveries, \(totals.crashes) crashes, \(totals.refused) approvals refused after lagging reads"
        )
        #expect(
            totals.crashes > 0 && totals.refused >= 0 && totals.events > Self.histories * 10,
            "the chaos must actually happen"
        )
    }
}
