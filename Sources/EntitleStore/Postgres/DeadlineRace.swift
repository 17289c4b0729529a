import Synchronization

/// The first of a body's outcome, its deadline and its caller's cancellation: whoever finishes
/// first decides what the waiting caller gets; the others find it decided.
final class DeadlineRace<Value: Sendable>: Sendable {
    private struct State {
        var outcome: Result<Value, any Error>?
        var waiting: CheckedContinuation<Value, any Error>?
    }

    private let state = Mutex(State())

    /// Settles the race with `result` unless it is settled; true when this call settled it.
    @discardableResult
    func finish(_ result: Result<Value, any Error>) -> Bool {
        let (settled, waiting) = state.withLock { state -> (Bool, CheckedContinuation<Value, any Error>?) in
            guard state.outcome == nil else { return (false, nil) }
            state.outcome = result
            defer { state.waiting = nil }
            return (true, state.waiting)
        }
        waiting?.resume(with: result)
        return settled
    }

    /// The outcome, once there is one.
    func outcome() async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            let known = state.withLock { state -> Result<Value, any Error>? in
                if state.outcome == nil { state.waiting = continuation }
                return state.outcome
            }
            if let known { continuation.resume(with: known) }
        }
    }
}
