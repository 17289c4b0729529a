public import Foundation
import MarketplaceCore

/// When and how long to wait before trying a Google call again: exponential backoff with jitter,
/// bounded in attempts and in total time, never shorter than a `Retry-After` the server sent.
/// A value: the transport asks it, and tests ask it, with plain numbers.
public struct RetryPolicy: Hashable, Sendable {
    /// Attempts in all, the first included.
    public var maxAttempts: Int
    public var initialBackoff: Duration
    public var maxBackoff: Duration
    public var multiplier: Double
    /// No retry starts once this much time has passed since the first attempt, and no wait would
    /// end beyond it.
    public var totalTimeout: Duration

    public init(
        maxAttempts: Int = 10,
        initialBackoff: Duration = .milliseconds(200),
        maxBackoff: Duration = .seconds(30),
        multiplier: Double = 2,
        totalTimeout: Duration = .seconds(120)
    ) {
        self.maxAttempts = maxAttempts
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.multiplier = multiplier
        self.totalTimeout = totalTimeout
    }

    public static let `default` = RetryPolicy()
    /// One attempt, no retry.
    public static let none = RetryPolicy(maxAttempts: 1)
    /// For a call a person waits on (a buyer's sign-up form): a few quick tries within 8 s, and no
    /// waiting out a longer `Retry-After`; the page asks the buyer to try again instead. The default
    /// policy's two minutes suit work in the background, not someone looking at a spinner.
    public static let interactive = RetryPolicy(
        maxAttempts: 3,
        initialBackoff: .milliseconds(200),
        maxBackoff: .seconds(2),
        totalTimeout: .seconds(8)
    )

    /// HTTP statuses that say "try again later" (contract §3.4, §5.3).
    public static let transientStatuses: Set<Int> = [429, 500, 502, 503, 504]

    /// The wait before attempt `attempt + 1` after attempt `attempt` (1-based) failed, or nil when
    /// the policy gives up: out of attempts, or the wait would end past the total timeout.
    /// The backoff is `initial · multiplier^(attempt−1)` capped at `maxBackoff`, drawn uniformly
    /// from its upper half ("equal jitter": spread out, never near zero); a `retryAfter` longer
    /// than that is waited instead.
    public func delay(
        afterAttempt attempt: Int,
        elapsed: Duration,
        retryAfter: Duration? = nil,
        using random: inout some RandomNumberGenerator
    ) -> Duration? {
        guard attempt < maxAttempts else { return nil }
        let ceiling = min(maxBackoff.seconds, initialBackoff.seconds * pow(multiplier, Double(attempt - 1)))
        var wait = Duration.seconds(Double.random(in: (ceiling / 2)...max(ceiling / 2, ceiling), using: &random))
        if let retryAfter, retryAfter > wait { wait = retryAfter }
        guard elapsed + wait <= totalTimeout else { return nil }
        return wait
    }

    public func delay(afterAttempt attempt: Int, elapsed: Duration, retryAfter: Duration? = nil) -> Duration? {
        var random = SystemRandomNumberGenerator()
        return delay(afterAttempt: attempt, elapsed: elapsed, retryAfter: retryAfter, using: &random)
    }

    /// A `Retry-After` header: delta-seconds or an HTTP date (RFC 9110 §10.2.3), relative to `now`.
    public static func retryAfter(_ header: String?, now: Date = Date()) -> Duration? {
        guard let header = header?.trimmingCharacters(in: .whitespaces), !header.isEmpty else { return nil }
        if let seconds = Int(header) { return seconds >= 0 ? .seconds(seconds) : nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: header) else { return nil }
        return .seconds(max(0, date.timeIntervalSince(now)))
    }
}
