import EntitleTestSupport
import Foundation
import GRDB
import MarketplaceCore
import Synchronization
import Testing

@testable import EntitleStore

@Suite(.paced) struct SQLiteCommitQueueTests {
    struct Broken: Error {}

    final class Stop: Sendable {
        let flag = Mutex(false)
    }

    let now = Timestamp(Date())

    @Test(
        "concurrent commits share transactions; one that fails is rolled back alone and its caller hears it; a duplicate in the batch is alreadyProcessed"
    )
    func groupCommit() async throws {
        try await TemporaryDatabase.withPath { path in
            let store = try await SQLiteStore(path: path)
            // Fails after writing its inbox row: the savepoint must take that row back.
            let queue = SQLiteCommitQueue(pool: store.pool)
            @Sendable func commit(_ plan: CommitPlan) async throws -> CommitOutcome {
                try await queue.write { db in
                    let outcome = try db.run(plan)
                    if plan.commit.eventID?.hasPrefix("broken") == true { throw Broken() }
                    return outcome
                }
            }
            let ids = (0..<40).map { $0 % 10 == 3 ? "broken-\($0)" : "event-\($0)" } + ["event-0"]
            let outcomes = await withTaskGroup(of: (String, Result<CommitOutcome, any Error>).self) { group in
                for id in ids {
                    group.addTask {
                        let record = LocalEntitlement(
                            id: try! EntitlementID("E-\(id)"),
                            accountID: nil,
                            resource: Entitlement(state: .active)
                        )
                        do {
                            return (
                                id,
                                .success(
                                    try await commit(
                                        CommitPlan(StoreCommit(eventID: id, entitlements: [record]), at: now)
                                    )
                                )
                            )
                        } catch {
                            return (id, .failure(error))
                        }
                    }
                }
                return await group.reduce(into: [(String, Result<CommitOutcome, any Error>)]()) { $0.append($1) }
            }
            for (id, outcome) in outcomes where id.hasPrefix("broken") {
                #expect(throws: Broken.self) { try outcome.get() }
                #expect(try await store.isProcessed(eventID: id) == false, "\(id) rolled back")
                #expect(try await store.entitlement(EntitlementID("E-\(id)")) == nil)
            }
            let good = outcomes.filter { !$0.0.hasPrefix("broken") }
            #expect(good.filter { (try? $0.1.get()) == .committed }.count == 36, "36 distinct events committed")
            #expect(good.filter { (try? $0.1.get()) == .alreadyProcessed }.count == 1, "event-0 twice: once")
            for (id, _) in good { #expect(try await store.isProcessed(eventID: id), "\(id)") }
            let transactions = queue.transactions
            #expect(transactions < 10, "41 concurrent commits in \(transactions) transactions")
        }
    }

    @Test(
        "when SQLite ends the whole transaction inside one commit, no caller of that batch hears success for rows that are not there"
    )
    func transactionLost() async throws {
        try await TemporaryDatabase.withPath { path in
            let store = try await SQLiteStore(path: path)
            // Rolls the transaction back as an I/O error or a full disk would, then fails.
            let queue = SQLiteCommitQueue(pool: store.pool)
            @Sendable func commit(_ plan: CommitPlan) async throws -> CommitOutcome {
                try await queue.write { db in
                    let outcome = try db.run(plan)
                    if plan.commit.eventID == "lost" {
                        try db.execute(sql: "ROLLBACK")
                        throw Broken()
                    }
                    return outcome
                }
            }
            let ids = (0..<30).map { "event-\($0)" } + ["lost"]
            let outcomes = await withTaskGroup(of: (String, Bool).self) { group in
                for id in ids {
                    group.addTask {
                        (id, (try? await commit(CommitPlan(StoreCommit(eventID: id), at: now))) == .committed)
                    }
                }
                return await group.reduce(into: [String: Bool]()) { $0[$1.0] = $1.1 }
            }
            #expect(outcomes["lost"] == false)
            for (id, committed) in outcomes {
                // Told committed: the row is there; told it failed: it is not (it comes again).
                #expect(
                    try await store.isProcessed(eventID: id) == committed,
                    "\(id): told \(committed ? "committed" : "failed")"
                )
            }
            // The queue goes on after a lost transaction.
            #expect(try await commit(CommitPlan(StoreCommit(eventID: "after"), at: now)) == .committed)
            #expect(try await store.isProcessed(eventID: "after"))
        }
    }

    @Test("the pool's other writes take their turn while the queue never runs dry")
    func otherWritesTakeTheirTurn() async throws {
        try await TemporaryDatabase.withPath { path in
            let store = try await SQLiteStore(path: path)
            let queue = SQLiteCommitQueue(pool: store.pool)
            let writers = SQLiteCommitQueue.maximumBatch * 3
            // More writers than a batch takes, each writing again as soon as it is answered: the
            // queue always has writes waiting, so only the turn lets another write of the pool in.
            let stop = Stop()
            let written = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<writers {
                    group.addTask {
                        var count = 0
                        while !stop.flag.withLock({ $0 }) {
                            try await queue.write { db in try db.execute(sql: "SELECT 1") }
                            count += 1
                        }
                        return count
                    }
                }
                // Stops the writers after 20 s whatever happens, so that a starved write fails
                // the test rather than hanging it.
                group.addTask {
                    try? await Task.sleep(for: .seconds(20))
                    stop.flag.withLock { $0 = true }
                    return 0
                }
                try await Task.sleep(for: .milliseconds(200))
                let before = queue.transactions
                try await store.pool.write { db in try db.execute(sql: "SELECT 1") }
                let stopped = stop.flag.withLock { stopped in
                    defer { stopped = true }
                    return stopped
                }
                #expect(!stopped, "the pool's write waited until the writers stopped")
                #expect(queue.transactions - before < 100, "\(queue.transactions - before) transactions went first")
                group.cancelAll()
                return try await group.reduce(0, +)
            }
            #expect(written > writers)
        }
    }
}
