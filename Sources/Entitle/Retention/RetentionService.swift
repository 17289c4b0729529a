public import EntitleStore
public import Foundation
public import Logging
public import MarketplaceCore
public import ServiceLifecycle

/// Deletes what is no longer needed (`RetentionPolicy`): old inbox rows, audit rows, poison
/// messages and dead letters, reported usage records, delivered callbacks, expired sign-up
/// sessions. Every `interval`, in batches of `batch` rows with a pause between them, so the
/// store's writer is never held for long: pruning stays off the hot path.
public struct RetentionService: Service {
    let store: any Store
    let policy: RetentionPolicy
    let interval: Duration
    let batch: Int
    /// Only the leading replica prunes.
    let leadership: any LeaderElection
    let logger: Logger
    let now: @Sendable () -> Timestamp

    public init(
        store: any Store,
        policy: RetentionPolicy,
        interval: Duration = .seconds(3600),
        batch: Int = 500,
        leadership: any LeaderElection = SingleProcessLeadership(replica: ReplicaName.current),
        logger: Logger = Logger(label: "entitle.retention"),
        now: @escaping @Sendable () -> Timestamp = { Timestamp(Date()) }
    ) {
        self.store = store
        self.policy = policy
        self.interval = interval
        self.batch = batch
        self.leadership = leadership
        self.logger = logger
        self.now = now
    }

    public func run() async throws {
        await LeaderPasses(interval: interval, leadership: leadership, logger: logger, name: "pruning").run {
            let pruned = try await pruneAll()
            if pruned.total > 0 { logger.info("pruned", metadata: ["summary": "\(pruned)"]) }
        }
    }

    /// Prunes until nothing old is left.
    @discardableResult
    public func pruneAll() async throws -> PruneSummary {
        var total = PruneSummary()
        while !Task.isCancelled {
            let round = try await store.prune(policy, now: now(), batch: batch)
            total += round
            guard round.total > 0 else { break }
            // Let the writer serve notifications between batches.
            try await Task.sleep(for: .milliseconds(20))
        }
        return total
    }
}
