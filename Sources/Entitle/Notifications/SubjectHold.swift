import EntitleStore
import Synchronization

/// What a decision under `NotificationProcessor.withSubject` holds: the replica's lease on the
/// subject, which the decision's last commit can give back in its own transaction (a round trip
/// fewer per notification on PostgreSQL). Nothing may be written about the subject after that.
final class SubjectHold: Sendable {
    /// nil on a store with one process, which leases nothing.
    let lease: SubjectLease?
    private let givenBack = Mutex(false)

    init(_ lease: SubjectLease? = nil) {
        self.lease = lease
    }

    /// Whether a commit was asked to give the lease back. Set before that commit runs: if it
    /// fails, the lease is given back again, harmlessly; if it succeeds, not again.
    var isGivenBack: Bool { givenBack.withLock { $0 } }

    /// `commit`, giving the lease back as it commits.
    func releasing(_ commit: StoreCommit) -> StoreCommit {
        guard let lease else { return commit }
        givenBack.withLock { $0 = true }
        var commit = commit
        commit.releasing = lease
        return commit
    }
}
