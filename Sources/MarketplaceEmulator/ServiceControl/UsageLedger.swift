public import MarketplaceCore

/// Every metric value Service Control accepted, as the emulator's record of what would be billed.
/// A repeated `operationId` is kept as a duplicate and never counted twice (issue #3, item 4).
public struct UsageRecord: Codable, Hashable, Sendable {
    public var operationId: String
    public var consumerId: String
    public var entitlementId: String
    public var metric: String
    public var value: Int64?
    public var doubleValue: Double?
    public var startTime: Timestamp
    public var endTime: Timestamp
    public var userLabels: [String: String]?
    public var receivedAt: Timestamp
    /// The operation id had been reported before; this value does not count.
    public var duplicate: Bool
}

/// What the emulator accepted, in order, with totals per consumer and metric.
struct UsageLedger: Codable, Sendable {
    private(set) var records: [UsageRecord] = []
    private var reported: Set<String> = []
    /// Scripted `checkErrors` per consumerId (BILLING_DISABLED and friends), until cleared.
    var checkFailures: [String: String] = [:]

    mutating func record(_ operation: ValidatedOperation, entitlementID: String, now: Timestamp) {
        let duplicate = !reported.insert(operation.operationId).inserted
        for value in operation.values {
            records.append(
                UsageRecord(
                    operationId: operation.operationId,
                    consumerId: operation.consumerId,
                    entitlementId: entitlementID,
                    metric: value.metric,
                    value: value.int64,
                    doubleValue: value.double,
                    startTime: operation.startTime,
                    endTime: operation.endTime,
                    userLabels: operation.userLabels,
                    receivedAt: now,
                    duplicate: duplicate
                )
            )
        }
    }

    /// Sum of counted (non-duplicate) int64 values per `consumerId` and metric.
    var totals: [String: [String: Int64]] {
        var totals: [String: [String: Int64]] = [:]
        for record in records where !record.duplicate {
            totals[record.consumerId, default: [:]][record.metric, default: 0] += record.value ?? 0
        }
        return totals
    }
}
