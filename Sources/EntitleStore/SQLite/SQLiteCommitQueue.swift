import GRDB

/// Group commit for the notification hot path: commits that arrive while a transaction is being
/// written wait and go into the next transaction together, each in its own savepoint, so that
/// with `synchronous = FULL` one fsync makes a whole batch durable instead of one per commit
/// (at 1,500 notifications/s the per-commit fsyncs and WAL page writes were a fifth of Entitle's
/// CPU). Each caller hears its own outcome only after the transaction holding its commit is
/// durable, so a message is still acked only after its commit; one commit that fails (a broken
/// record) is rolled back to its savepoint alone, and the others in the batch still commit.
actor SQLiteCommitQueue {
    typealias Apply = @Sendable (CommitPlan, Database) throws -> CommitOutcome

    private struct Waiting {
        var commit: CommitPlan
        var continuation: CheckedContinuation<CommitOutcome, any Error>
    }

    /// SQLite rolled the whole transaction back while applying a commit (I/O error, disk full):
    /// none of the batch was written.
    struct TransactionLost: Error, CustomStringConvertible {
        var cause: any Error
        var description: String { "the transaction was rolled back: \(cause)" }
    }

    /// Transactions stay short: a batch larger than this waits for the next.
    static let maximumBatch = 64

    private let pool: DatabasePool
    private let apply: Apply
    private var waiting: [Waiting] = []
    private var writing = false
    /// Transactions written so far (the tests read it).
    private(set) var transactions = 0

    init(pool: DatabasePool, apply: @escaping Apply) {
        self.pool = pool
        self.apply = apply
    }

    func commit(_ commit: CommitPlan) async throws -> CommitOutcome {
        try await withCheckedThrowingContinuation { continuation in
            waiting.append(Waiting(commit: commit, continuation: continuation))
            guard !writing else { return }
            writing = true
            Task { await drain() }
        }
    }

    private func drain() async {
        while !waiting.isEmpty {
            let batch = Array(waiting.prefix(Self.maximumBatch))
            waiting.removeFirst(batch.count)
            transactions += 1
            let outcomes = await write(batch.map(\.commit))
            for (entry, outcome) in zip(batch, outcomes) { entry.continuation.resume(with: outcome) }
        }
        writing = false
    }

    private func write(_ commits: [CommitPlan]) async -> [Result<CommitOutcome, any Error>] {
        let apply = self.apply
        do {
            return try await pool.write { db in
                var outcomes: [Result<CommitOutcome, any Error>] = []
                for commit in commits {
                    var outcome = CommitOutcome.committed
                    do {
                        try db.inSavepoint {
                            outcome = try apply(commit, db)
                            return .commit
                        }
                        outcomes.append(.success(outcome))
                    } catch {
                        // Some errors end the transaction, not just the savepoint: then nothing
                        // of this batch is written, and every caller must hear so. (GRDB would
                        // also fail the write at its commit; stopping here keeps the batch's
                        // later commits from running outside any transaction meanwhile.)
                        guard db.isInsideTransaction else { throw TransactionLost(cause: error) }
                        outcomes.append(.failure(error))
                    }
                }
                return outcomes
            }
        } catch {
            return commits.map { _ in .failure(error) }
        }
    }
}
