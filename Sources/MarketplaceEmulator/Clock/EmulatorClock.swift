import Foundation
import MarketplaceCore

/// The emulator's time: the wall clock plus an offset that only grows, so tests and buyers can
/// jump ahead to billing-cycle ends, term ends and offer starts (time travel), and ack deadlines
/// still pass in real time.
struct EmulatorClock: Sendable {
    /// Microseconds added to the wall clock; kept across restarts with `--state`.
    private(set) var offset: Int64 = 0
    private let wall: @Sendable () -> Date

    init(start: Date? = nil, wall: @escaping @Sendable () -> Date = { Date() }) {
        self.wall = wall
        if let start { offset = Int64((start.timeIntervalSince1970 - wall().timeIntervalSince1970) * 1_000_000) }
    }

    init(offset: Int64, wall: @escaping @Sendable () -> Date = { Date() }) {
        self.wall = wall
        self.offset = offset
    }

    var now: Timestamp {
        let micros = Int64(wall().timeIntervalSince1970 * 1_000_000) + offset
        return Timestamp(
            seconds: floorDivide(micros, 1_000_000),
            nanos: Int32((micros - floorDivide(micros, 1_000_000) * 1_000_000) * 1000)
        )
    }

    /// Real time, for tokens the vendor verifies on its own (wall) clock: a sign-up token or a push
    /// token stamped with travelled time would be "not yet valid" there.
    var wallNow: Timestamp { Timestamp(wall()) }

    /// Moves time forward; going back is refused, because Google's time never does.
    mutating func advance(seconds: Int64) throws(GoogleAPIError) {
        guard seconds >= 0 else { throw .invalidArgument("The clock only moves forward") }
        offset += seconds * 1_000_000
    }

    private func floorDivide(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : (a - b + 1) / b }
}
