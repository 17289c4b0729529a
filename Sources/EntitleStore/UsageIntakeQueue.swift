import MarketplaceCore

/// Usage batches that arrive while others are being written are taken in together, by one plan in
/// one transaction (`UsageIntakePlan`), each still decided on its own. An app that posts one record
/// per request otherwise costs the store a transaction's statements per record: SQLite's one writer
/// spent ~150 µs of CPU on each single-record request and capped intake at ~3,000 requests/s with a
/// core idle, and PostgreSQL paid its round trips per record. Each caller hears its own outcome once
/// the transaction holding its batch has committed, as before.
actor UsageIntakeQueue {
    private struct Waiting {
        var intake: UsageIntake
        var windowLength: Int64
        var continuation: CheckedContinuation<[UsageAcceptance], any Error>
    }

    /// Plans written at once: SQLite's writer takes the next while one commits; PostgreSQL's runs
    /// on connections of their own.
    private let concurrency: Int
    /// Records one plan takes at most (more batches wait for the next): a transaction stays short.
    private let maximumRecords: Int
    private var waiting: [Waiting] = []
    private var running = 0
    /// Plans written so far (the tests read it).
    private(set) var plans = 0

    init(concurrency: Int, maximumRecords: Int) {
        precondition(concurrency > 0 && maximumRecords > 0)
        self.concurrency = concurrency
        self.maximumRecords = maximumRecords
    }

    /// Writes `intake` with whatever batches are waiting, through `store`'s write transaction.
    func record(_ intake: UsageIntake, windowLength: Int64, store: SQLStore) async throws -> [UsageAcceptance] {
        try await withCheckedThrowingContinuation { continuation in
            waiting.append(Waiting(intake: intake, windowLength: windowLength, continuation: continuation))
            guard running < concurrency else { return }
            running += 1
            Task { await drain(store) }
        }
    }

    private func drain(_ store: SQLStore) async {
        while let group = nextGroup() {
            plans += 1
            let outcomes: [Result<[UsageAcceptance], any Error>]
            do {
                let plan = UsageIntakePlan(
                    group.map(\.intake),
                    windowLength: group[0].windowLength,
                    decoded: store.decodedEntitlements,
                    slicing: store.listSlicing
                )
                outcomes = try await store.write(plan)
            } catch {
                outcomes = group.map { _ in .failure(error) }
            }
            for (entry, outcome) in zip(group, outcomes) { entry.continuation.resume(with: outcome) }
        }
        running -= 1
    }

    /// The oldest batch and the next ones of its window length, up to `maximumRecords`.
    private func nextGroup() -> [Waiting]? {
        guard let first = waiting.first else { return nil }
        var records = 0
        var taken: [Int] = []
        for (index, entry) in waiting.enumerated() where entry.windowLength == first.windowLength {
            let count = entry.intake.submissions.count
            guard taken.isEmpty || records + count <= maximumRecords else { continue }
            records += count
            taken.append(index)
        }
        let group = taken.map { waiting[$0] }
        for index in taken.reversed() { waiting.remove(at: index) }
        return group
    }
}
