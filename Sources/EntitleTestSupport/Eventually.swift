/// Polls `probe` until it answers a value, every `every`, for at most `within`: the one polling
/// loop of the tests, for what happens asynchronously (a notification processed, a callback sent).
/// - Returns: the first value, or nil when the time ran out (the caller says what it waited for).
public func eventually<Value>(
    within: Duration = .seconds(10),
    every: Duration = .milliseconds(20),
    _ probe: () async throws -> Value?
) async throws -> Value? {
    let deadline = ContinuousClock.now + within
    while true {
        if let value = try await probe() { return value }
        guard ContinuousClock.now < deadline else { return nil }
        try await Task.sleep(for: every)
    }
}

/// Polls `condition` until it holds, for at most `within`.
/// - Returns: whether it held in time.
public func eventually(
    within: Duration = .seconds(10),
    every: Duration = .milliseconds(20),
    _ condition: () async throws -> Bool
) async throws -> Bool {
    try await eventually(within: within, every: every) { try await condition() ? true : nil } ?? false
}
