public import MarketplaceCore

/// When a failed callback is tried again: `initial · 2^(attempts−1)` capped at `maximum`, until
/// `horizon` after it was queued (or replayed), then never (the item is marked failed and can be replayed from
/// the admin API). A value, tested with plain numbers.
public struct CallbackRetrySchedule: Hashable, Sendable {
    public var initialSeconds: Double
    public var maximumSeconds: Double
    public var horizonSeconds: Double

    public init(initialSeconds: Double = 5, maximumSeconds: Double = 3600, horizonSeconds: Double = 3 * 86_400) {
        self.initialSeconds = initialSeconds
        self.maximumSeconds = maximumSeconds
        self.horizonSeconds = horizonSeconds
    }

    /// The next attempt after `attempts` failed ones (this one included), or nil to give up.
    public func nextAttempt(afterAttempts attempts: Int, queuedAt: Timestamp, now: Timestamp) -> Timestamp? {
        let delay = min(maximumSeconds, initialSeconds * Double(1 << min(max(attempts - 1, 0), 40)))
        let next = now.adding(nanoseconds: Int64(delay * 1_000_000_000))
        let giveUpAt = queuedAt.adding(nanoseconds: Int64(horizonSeconds * 1_000_000_000))
        return next <= giveUpAt ? next : nil
    }
}
