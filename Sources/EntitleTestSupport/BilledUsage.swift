import MarketplaceCore
public import MarketplaceEmulator

/// What the emulator's Service Control recorded, checked for the two ways usage billing goes
/// wrong: a window billed twice, or one operationId reported with two values.
public enum BilledUsage {
    /// Each violation, described; empty when billing is exactly once.
    public static func problems(_ records: [UsageRecord]) -> [String] {
        var problems: [String] = []
        var windows: Set<String> = []
        var values: [String: Set<Int64>] = [:]
        for record in records {
            values[record.operationId + " " + record.metric, default: []].insert(record.value ?? -1)
            let window = "\(record.consumerId) \(record.metric) \(record.startTime.rfc3339)"
            if !record.duplicate, !windows.insert(window).inserted { problems.append("window billed twice: \(window)") }
        }
        for (operation, seen) in values where seen.count > 1 { problems.append("operation \(operation) reported with values \(seen.sorted())") }
        return problems
    }
}
