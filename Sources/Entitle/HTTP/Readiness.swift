import Synchronization

/// What keeps this replica from doing its work, by component (`subscription`, …), for `/readyz`:
/// the services that find a problem set it, and clear it when it is gone.
public final class Readiness: Sendable {
    private let problems = Mutex<[String: String]>([:])

    public init() {}

    /// Records (or with nil, clears) a component's problem.
    public func set(_ component: String, problem: String?) {
        problems.withLock { $0[component] = problem }
    }

    /// Component → problem, for components that have one.
    public var current: [String: String] { problems.withLock { $0 } }
}
