public import MarketplaceCore
public import MarketplaceEmulator

/// What the emulator's Service Control recorded, checked for the ways usage billing goes wrong:
/// a window billed twice, one operationId reported with two values, or an operation sent again
/// although Google's answer to the earlier send reached Entitle. The emulator counts a repeated
/// operationId once, so only the last check can tell a careless resend from a necessary one.
public enum BilledUsage {
    /// Each violation, described; empty when billing is exactly once and every resend followed a
    /// lost answer.
    public static func problems(_ records: [UsageRecord]) -> [String] {
        var problems: [String] = []
        var windows: Set<String> = []
        var values: [String: Set<Int64>] = [:]
        for record in records {
            values[record.operationId + " " + record.metric, default: []].insert(record.value ?? -1)
            let window = "\(record.consumerId) \(record.metric) \(record.startTime.rfc3339)"
            if !record.duplicate, !windows.insert(window).inserted { problems.append("window billed twice: \(window)") }
        }
        for (operation, seen) in values where seen.count > 1 {
            problems.append("operation \(operation) reported with values \(seen.sorted())")
        }
        return problems + needlessResends(records)
    }

    /// Operations sent again after a report whose answer was not lost.
    public static func needlessResends(_ records: [UsageRecord]) -> [String] {
        var answered: [String: Bool] = [:]
        var problems: [String] = []
        for record in records {
            let key = record.operationId + " " + record.metric
            if answered[key] == true {
                problems.append("operation \(record.operationId) sent again after Google's answer reached Entitle")
            }
            answered[key] = record.answerLost != true
        }
        return problems
    }

    /// When Google answered each send that was followed by a resend of the same operation: the
    /// moments a crash must have followed for the resend to be justified.
    public static func answeredBeforeResend(_ records: [UsageRecord]) -> [Timestamp] {
        var answered: [String: Timestamp] = [:]
        var moments: [Timestamp] = []
        for record in records {
            let key = record.operationId + " " + record.metric
            if let previous = answered[key] { moments.append(previous) }
            answered[key] = record.answerLost == true ? nil : record.receivedAt
        }
        return moments
    }

    /// Sends whose answer was lost, and sends of an operation Google already had: equal when
    /// Entitle resends exactly what it could not know was taken.
    public static func resendFigures(_ records: [UsageRecord]) -> (lostAnswers: Int, resends: Int) {
        (records.filter { $0.answerLost == true }.count, records.filter(\.duplicate).count)
    }
}
