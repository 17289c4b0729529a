import Synchronization

/// What the processor did, counted (for metrics and for tests that check approvals were asked
/// for only when the re-read state needed them).
public final class ProcessorCounters: Sendable {
    public struct Snapshot: Hashable, Sendable {
        public var processed = 0
        public var duplicates = 0
        public var poison = 0
        /// Approve/reject calls Google accepted.
        public var apiCalls = 0
        /// Calls Google refused as made in the wrong state (FAILED_PRECONDITION).
        public var refusedCalls = 0
        /// Messages kept as dead letters after failing too often.
        public var deadLettered = 0
    }

    private let state = Mutex(Snapshot())

    public init() {}

    public var snapshot: Snapshot { state.withLock { $0 } }

    func count(_ change: (inout Snapshot) -> Void) {
        state.withLock { change(&$0) }
    }
}
