import GRDB

/// Group commit for every write of the SQLite store: writes that arrive while a transaction is
/// being written wait and go into the next transaction together, each in its own savepoint, so
/// that with `synchronous = FULL` one fsync makes a whole batch durable instead of one per write
/// (at 1,500 notifications/s the per-commit fsyncs and WAL page writes were a fifth of Entitle's
/// CPU, and usage intake, one transaction per request, stopped at the disk's ~1,600 fsyncs/s).
/// Each caller hears its own outcome only after the transaction holding its write is durable, so a
/// message is still acked, and a usage record answered accepted, only after its commit; one write
/// that fails (a broken record, a refused batch) is rolled back to its savepoint alone, and the
/// others in the batch still commit.
actor SQLiteCommitQueue {
    /// One caller's write: runs inside its savepoint, and is told the outcome once durable.
    private struct Waiting: @unchecked Sendable {
        var apply: (Database) throws -> Void
        var finish: (Result<Void, any Error>) -> Void
    }

    /// What a write returned, kept until its transaction commits. Unchecked: set by the writer
    /// inside the transaction and read after it, never at once.
    private final class Answer<Value>: @unchecked Sendable {
        var value: Value?
    }

    /// SQLite rolled the whole transaction back while applying a write (I/O error, disk full):
    /// none of the batch was written.
    struct TransactionLost: Error, CustomStringConvertible {
        var cause: any Error
        var description: String { "the transaction was rolled back: \(cause)" }
    }

    /// Transactions stay short: a batch larger than this waits for the next.
    static let maximumBatch = 64

    private let pool: DatabasePool
    private var waiting: [Waiting] = []
    private var writing = false
    /// Transactions written so far (the tests read it).
    private(set) var transactions = 0

    init(pool: DatabasePool) {
        self.pool = pool
    }

    /// Runs `body` in its own savepoint of a shared transaction; returns once that is durable.
    func write<Value: Sendable>(_ body: @escaping @Sendable (Database) throws -> Value) async throws -> Value {
        let answer = Answer<Value>()
        return try await withCheckedThrowingContinuation { continuation in
            waiting.append(
                Waiting(
                    apply: { db in answer.value = try body(db) },
                    // Success means `apply` returned, so the answer is set.
                    finish: { outcome in continuation.resume(with: outcome.map { answer.value! }) }
                )
            )
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
            let outcomes = await write(batch)
            for (entry, outcome) in zip(batch, outcomes) { entry.finish(outcome) }
        }
        writing = false
    }

    private func write(_ batch: [Waiting]) async -> [Result<Void, any Error>] {
        do {
            return try await pool.write { db in
                var outcomes: [Result<Void, any Error>] = []
                for entry in batch {
                    do {
                        try db.inSavepoint {
                            try entry.apply(db)
                            return .commit
                        }
                        outcomes.append(.success(()))
                    } catch {
                        // Some errors end the transaction, not just the savepoint: then nothing
                        // of this batch is written, and every caller must hear so. (GRDB would
                        // also fail the write at its commit; stopping here keeps the batch's
                        // later writes from running outside any transaction meanwhile.)
                        guard db.isInsideTransaction else { throw TransactionLost(cause: error) }
                        outcomes.append(.failure(error))
                    }
                }
                return outcomes
            }
        } catch {
            return batch.map { _ in .failure(error) }
        }
    }
}
