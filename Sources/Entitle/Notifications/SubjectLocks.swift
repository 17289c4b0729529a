/// One holder at a time per key: notifications about the same entitlement are decided one after
/// another, so two workers never decide from the same stored copy (which would approve twice or
/// announce a transition twice). Different keys run in parallel. Waiters are served in order.
actor SubjectLocks {
    private var held: Set<String> = []
    private var waiters: [String: [CheckedContinuation<Void, Never>]] = [:]

    func withLock<Value: Sendable>(_ key: String, _ body: @Sendable () async throws -> Value) async rethrows -> Value {
        await lock(key)
        do {
            let value = try await body()
            unlock(key)
            return value
        } catch {
            unlock(key)
            throw error
        }
    }

    private func lock(_ key: String) async {
        guard held.contains(key) else {
            held.insert(key)
            return
        }
        await withCheckedContinuation { waiters[key, default: []].append($0) }
    }

    /// Hands the key to the next waiter, if any, without releasing it in between.
    private func unlock(_ key: String) {
        guard var queue = waiters[key], !queue.isEmpty else {
            held.remove(key)
            return
        }
        let next = queue.removeFirst()
        waiters[key] = queue.isEmpty ? nil : queue
        next.resume()
    }
}
