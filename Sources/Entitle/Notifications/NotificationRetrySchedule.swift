/// How a notification that keeps failing is handed back: after `initialSeconds`, doubling up to
/// 600 s (Pub/Sub's longest ack deadline), and dead-lettered at the `deadLetterAfter`-th failure.
/// The defaults (10 s, 15 attempts) keep a message for about an hour and three quarters: longer
/// than a Procurement outage usually lasts, short enough that a bug is seen the same day.
public struct NotificationRetrySchedule: Hashable, Sendable {
    public static let maximumSeconds = 600

    public var initialSeconds: Int
    public var deadLetterAfter: Int

    public init(initialSeconds: Int = 10, deadLetterAfter: Int = 15) {
        self.initialSeconds = initialSeconds
        self.deadLetterAfter = deadLetterAfter
    }

    /// Seconds until the message comes again after its `attempts`-th failure.
    public func delay(afterAttempts attempts: Int) -> Int {
        let doublings = max(0, min(attempts - 1, 20))
        return min(Self.maximumSeconds, initialSeconds << doublings)
    }
}
