import Foundation
import Synchronization

/// Counts events per key (a client address, an account) in fixed windows of `windowSeconds`, in
/// memory, for one replica: what throttles failed credentials and rate-limits sign-ups. Memory is
/// bounded: past `maxKeys`, ended windows are dropped, then the oldest.
final class WindowCounter: Sendable {
    struct Window {
        var start: Date
        var count: Int
    }

    let windowSeconds: Int
    let maxKeys: Int
    private let windows = Mutex<[String: Window]>([:])

    init(windowSeconds: Int, maxKeys: Int = 100_000) {
        self.windowSeconds = windowSeconds
        self.maxKeys = maxKeys
    }

    /// Counts one event for `key`; the count in its window, this one included.
    @discardableResult
    func add(_ key: String, at time: Date) -> Int {
        windows.withLock { all in
            if all.count >= maxKeys { prune(&all, at: time) }
            var window = all[key] ?? Window(start: time, count: 0)
            if time.timeIntervalSince(window.start) >= TimeInterval(windowSeconds) {
                window = Window(start: time, count: 0)
            }
            window.count += 1
            all[key] = window
            return window.count
        }
    }

    /// Whole seconds until `key`'s window ends if it holds `limit` events or more; nil otherwise.
    func wait(_ key: String, limit: Int, at time: Date) -> Int? {
        windows.withLock { all in
            guard let window = all[key], window.count >= limit else { return nil }
            let left = window.start.addingTimeInterval(TimeInterval(windowSeconds)).timeIntervalSince(time)
            guard left > 0 else {
                all[key] = nil
                return nil
            }
            return Int(left.rounded(.up))
        }
    }

    private func prune(_ all: inout [String: Window], at time: Date) {
        all = all.filter { time.timeIntervalSince($0.value.start) < TimeInterval(windowSeconds) }
        guard all.count >= maxKeys else { return }
        for (key, _) in all.sorted(by: { $0.value.start < $1.value.start }).prefix(all.count / 2) { all[key] = nil }
    }
}
