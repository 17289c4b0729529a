public import MarketplaceCore

/// One usage operation as Marketplace takes it (contract §5.2): the consumer is the
/// entitlement's `usageReportingId` verbatim; each metric carries one value over
/// `startTime`…`endTime`.
public struct UsageOperation: Codable, Hashable, Sendable {
    public var operationId: String
    public var operationName: String
    public var consumerId: String
    public var startTime: Timestamp
    public var endTime: Timestamp
    public var metricValueSets: [MetricValueSet]
    /// The `cloudmarketplace.googleapis.com/resource_name` and `…/container_name` labels; sent on
    /// report only (contract §5.2).
    public var userLabels: [String: String]?

    public init(
        operationId: String,
        operationName: String = "Hourly Usage Report",
        consumerId: String,
        startTime: Timestamp,
        endTime: Timestamp,
        metricValueSets: [MetricValueSet],
        userLabels: [String: String]? = nil
    ) {
        self.operationId = operationId
        self.operationName = operationName
        self.consumerId = consumerId
        self.startTime = startTime
        self.endTime = endTime
        self.metricValueSets = metricValueSets
        self.userLabels = userLabels
    }
}

public struct MetricValueSet: Codable, Hashable, Sendable {
    /// `{serviceName}/{metric}`.
    public var metricName: String
    public var metricValues: [MetricValue]

    public init(metricName: String, metricValues: [MetricValue]) {
        self.metricName = metricName
        self.metricValues = metricValues
    }
}

/// A metric's value: `int64Value` is written as a JSON string (protobuf's int64 mapping), a
/// number is refused by Google.
public struct MetricValue: Hashable, Sendable, Codable {
    public var int64Value: Int64?
    public var doubleValue: Double?
    public var labels: [String: String]?

    public static func int64(_ value: Int64) -> MetricValue { MetricValue(int64Value: value) }
    public static func double(_ value: Double) -> MetricValue { MetricValue(doubleValue: value) }

    public init(int64Value: Int64? = nil, doubleValue: Double? = nil, labels: [String: String]? = nil) {
        self.int64Value = int64Value
        self.doubleValue = doubleValue
        self.labels = labels
    }

    enum CodingKeys: String, CodingKey { case int64Value, doubleValue, labels }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let text = try container.decodeIfPresent(String.self, forKey: .int64Value) {
            guard let value = Int64(text) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .int64Value,
                    in: container,
                    debugDescription: "not an int64: \(text)"
                )
            }
            int64Value = value
        }
        doubleValue = try container.decodeIfPresent(Double.self, forKey: .doubleValue)
        labels = try container.decodeIfPresent([String: String].self, forKey: .labels)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(int64Value.map(String.init), forKey: .int64Value)
        try container.encodeIfPresent(doubleValue, forKey: .doubleValue)
        try container.encodeIfPresent(labels, forKey: .labels)
    }
}

/// Why Service Control will not take usage for a consumer (contract §5.3), e.g. `BILLING_DISABLED`.
public struct CheckError: Codable, Hashable, Sendable {
    public var code: String
    public var subject: String?
    public var detail: String?

    /// `*_UNAVAILABLE` codes say Google's backend is down: retry, do not block the customer.
    public var isTransient: Bool { code.hasSuffix("_UNAVAILABLE") }
}

public struct CheckResult: Codable, Hashable, Sendable {
    public var operationId: String?
    public var checkErrors: [CheckError]?
}

/// `google.rpc.Status` of a failed operation in a report.
public struct OperationStatus: Codable, Hashable, Sendable {
    public var code: Int
    public var message: String?
}
