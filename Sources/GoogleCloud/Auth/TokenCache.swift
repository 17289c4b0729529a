/// Keeps one access token and refreshes it before it expires, single-flight: callers arriving
/// while a refresh runs wait for that refresh instead of starting their own.
actor TokenCache {
    struct Fetched: Sendable {
        var token: String
        var expiresIn: Duration
    }

    private struct Cached {
        var token: String
        var refreshAt: ContinuousClock.Instant
    }

    private let fetch: @Sendable () async throws -> Fetched
    private var cached: Cached?
    private var refreshing: Task<Fetched, any Error>?
    /// Tokens fetched so far; tests read it to see refreshes shared.
    private(set) var fetches = 0

    init(fetch: @escaping @Sendable () async throws -> Fetched) {
        self.fetch = fetch
    }

    func token() async throws -> String {
        if let cached, ContinuousClock.now < cached.refreshAt { return cached.token }
        if let refreshing { return try await refreshing.value.token }
        let started = ContinuousClock.now
        let task = Task { try await fetch() }
        refreshing = task
        fetches += 1
        defer { refreshing = nil }
        let fetched = try await task.value
        cached = Cached(
            token: fetched.token,
            refreshAt: started + fetched.expiresIn - Self.margin(for: fetched.expiresIn)
        )
        return fetched.token
    }

    func invalidate(_ token: String) {
        if cached?.token == token { cached = nil }
    }

    /// How long before expiry to refresh: five minutes for Google's one-hour tokens, a quarter of
    /// the lifetime for short ones (the emulator can issue two-second tokens), counted from when
    /// the request left, so a token is never used in its last moments.
    static func margin(for lifetime: Duration) -> Duration {
        min(.seconds(300), lifetime / 4)
    }
}
