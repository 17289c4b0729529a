/// One HTTP attempt at a Google API, as an observer (metrics) sees it: which API and method,
/// how it ended, how long it took, and whether it was a retry.
public struct GoogleCall: Sendable, Hashable {
    /// `procurement`, `pubsub`, `servicecontrol`, or `other`.
    public var api: String
    /// The REST method in discovery-document style: `entitlements.approve`, `subscriptions.pull`
    /// (`GoogleMethodName`, which the emulator's counts and fault rules use too).
    public var method: String
    /// The HTTP status; nil when no answer came (a timeout, a refused connection).
    public var status: Int?
    public var duration: Duration
    /// 1 for the first attempt; more for retries.
    public var attempt: Int

    public init(api: String, method: String, status: Int?, duration: Duration, attempt: Int) {
        self.api = api
        self.method = method
        self.status = status
        self.duration = duration
        self.attempt = attempt
    }
}

/// Told of every attempt; called on the request's task, so it must not block.
public typealias GoogleCallObserver = @Sendable (GoogleCall) -> Void
