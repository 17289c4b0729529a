/// One reporting window of usage: `[start, end)`, in whole seconds. Windows are contiguous and
/// aligned to the epoch (contract §5.2: hourly, the next `startTime` is the previous `endTime`),
/// except an entitlement's last one, which ends at its cancellation.
public struct UsageWindow: Hashable, Sendable, Codable, CustomStringConvertible {
    public var start: Timestamp
    public var end: Timestamp

    public init(start: Timestamp, end: Timestamp) {
        self.start = start
        self.end = end
    }

    /// The window of `length` seconds that contains `time`.
    public static func containing(_ time: Timestamp, length: Int64) -> UsageWindow {
        let start = floorDivide(time.seconds, length) * length
        return UsageWindow(start: Timestamp(seconds: start), end: Timestamp(seconds: start + length))
    }

    /// Where a record at `time` is counted: its own window, unless that window was already sealed
    /// (reported or being reported), in which case the first open one. Late usage is moved
    /// forward, never dropped and never added to a window already billed.
    public static func assigned(_ time: Timestamp, sealedUntil: Timestamp?, length: Int64) -> UsageWindow {
        guard let sealedUntil, time < sealedUntil else { return containing(time, length: length) }
        return containing(sealedUntil, length: length)
    }

    public var description: String { "[\(start.rfc3339), \(end.rfc3339))" }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
}
