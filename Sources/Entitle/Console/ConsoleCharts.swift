import EntitleStore
import Foundation
import MarketplaceCore

/// The overview's charts from the store's counts: notifications per hour (two days), purchases
/// and cancellations per day (two weeks), time to activation, usage billed per day per metric.
struct ConsoleCharts {
    let activity: ConsoleActivity
    let now: Timestamp

    var all: [[String: String]] {
        var charts = [
            chart(
                "Notifications per hour (48 h)",
                perBucket(activity.notificationsPerHour, size: 3600, count: 48, label: hour),
                "notifications"
            ),
            chart(
                "Purchases per day (14 days)",
                perBucket(activity.purchasesPerDay, size: 86400, count: 14, label: day),
                "purchases"
            ),
            chart(
                "Cancellations per day (14 days)",
                perBucket(activity.cancellationsPerDay, size: 86400, count: 14, label: day),
                "cancellations"
            ),
            chart("Time to activation", activation, "entitlements"),
        ]
        let metrics = Set(activity.billedPerDay.map(\.metric)).sorted().prefix(4)
        for metric in metrics {
            let counts = activity.billedPerDay.filter { $0.metric == metric }
            let bars = (0..<14).map { offset -> SVGChart.Bar in
                let start = (now.seconds / 86400 - 13 + Int64(offset)) * 86400
                return SVGChart.Bar(
                    label: day(start),
                    value: counts.filter { $0.day == start }.map(\.quantity).reduce(0, +)
                )
            }
            charts.append(chart("Usage billed per day: \(metric)", bars, "units"))
        }
        return charts
    }

    private func chart(_ caption: String, _ bars: [SVGChart.Bar], _ unit: String) -> [String: String] {
        ["caption": caption, "svg": SVGChart(bars: bars, unit: unit).svg]
    }

    /// The last `count` buckets up to now, zero where nothing happened.
    private func perBucket(
        _ counts: [ConsoleActivity.Count],
        size: Int64,
        count: Int,
        label: (Int64) -> String
    ) -> [SVGChart.Bar] {
        let byBucket = Dictionary(counts.map { ($0.bucket, $0.count) }) { first, _ in first }
        let last = now.seconds / size * size
        return (0..<count).map { offset in
            let start = last - Int64(count - 1 - offset) * size
            return SVGChart.Bar(label: label(start), value: Double(byBucket[start] ?? 0))
        }
    }

    private var activation: [SVGChart.Bar] {
        let buckets: [(String, ClosedRange<Double>)] = [
            ("< 1 min", 0...60), ("1–10 min", 60.000001...600), ("10–60 min", 600.000001...3600),
            ("1–24 h", 3600.000001...86400),
            ("> 1 day", 86400.000001...Double.greatestFiniteMagnitude),
        ]
        return buckets.map { name, range in
            SVGChart.Bar(label: name, value: Double(activity.activationSeconds.filter(range.contains).count))
        }
    }

    private func hour(_ seconds: Int64) -> String { String(format: "%02d:00", Int((seconds % 86400) / 3600)) }

    private func day(_ seconds: Int64) -> String {
        String(ConsoleViews.time(Timestamp(seconds: seconds)).dropFirst(5).prefix(5))
    }
}
