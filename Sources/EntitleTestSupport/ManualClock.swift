public import MarketplaceCore
import Synchronization

/// A clock a test moves by hand, for services that take `now` as a closure: retries and horizons
/// become exact instead of depending on how busy the machine is.
public final class ManualClock: Sendable {
    private let current: Mutex<Timestamp>

    public init(_ start: Timestamp = Timestamp(seconds: 1_800_000_000)) {
        current = Mutex(start)
    }

    public var now: Timestamp { current.withLock { $0 } }

    public func advance(seconds: Int64) {
        current.withLock { $0 = $0.adding(seconds: seconds) }
    }
}
