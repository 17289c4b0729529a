import MarketplaceCore

/// How one entitlement's unsealed records become ledger operations: grouped per metric × labels ×
/// window (a final entitlement's windows clipped at its cancellation, late ones folded there),
/// summed with overflow checked. The same for every store; only reading and writing differ.
struct UsageSealingPlan {
    struct Row {
        var metric: String
        /// Canonical JSON of the labels.
        var labels: String
        var windowStart: Int64
        /// Nil when the window's records add up past `Int64.max` (kept by a version that did not check).
        var quantity: Int64?
    }

    struct Operation {
        var id: String
        var metric: String
        var labels: String
        var window: UsageWindow
        var quantity: Int64
        /// The record windows (micros) whose records it sums.
        var starts: Set<Int64>
    }

    /// Why sealing failed for this entitlement (an overflowing sum): nothing of it is sealed.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    var operations: [Operation] = []
    /// The end of the last window sealed (micros).
    var sealedUntil: Int64

    init(_ id: EntitlementID, rows: [Row], sealing: UsageSealing) throws(Failure) {
        let length = sealing.windowLength * 1_000_000
        let final = sealing.finals[id]
        struct Key: Hashable {
            var metric: String
            var labels: String
            var window: UsageWindow
        }
        var sums: [Key: (quantity: Int64, starts: Set<Int64>)] = [:]
        var until: Int64 = 0
        for row in rows {
            var window = UsageWindow(
                start: Timestamp(micros: row.windowStart),
                end: Timestamp(micros: row.windowStart + length)
            )
            if let final {
                // Google bills nothing after the cancellation (contract §5): the last window
                // ends there, and late usage moved past it is reported at the cancellation.
                window.end = min(window.end, final)
                window.start = min(window.start, window.end)
            }
            let key = Key(metric: row.metric, labels: row.labels, window: window)
            var sum = sums[key] ?? (0, [])
            guard let quantity = row.quantity, case let (total, false) = sum.quantity.addingReportingOverflow(quantity)
            else {
                throw Failure(
                    description:
                        "the \(key.metric) usage of window \(window) adds up to more than \(Int64.max); nothing of it was sealed"
                )
            }
            sum.quantity = total
            sum.starts.insert(row.windowStart)
            sums[key] = sum
            until = max(until, row.windowStart + length)
        }
        operations = sums.sorted {
            ($0.key.window.start, $0.key.metric, $0.key.labels) < ($1.key.window.start, $1.key.metric, $1.key.labels)
        }
        .map { key, sum in
            Operation(
                id: sealing.operationID(id, key.metric, key.labels, key.window),
                metric: key.metric,
                labels: key.labels,
                window: key.window,
                quantity: sum.quantity,
                starts: sum.starts
            )
        }
        sealedUntil = max(until, UsageWindow.containing(sealing.cutoff, length: sealing.windowLength).start.micros)
    }
}
