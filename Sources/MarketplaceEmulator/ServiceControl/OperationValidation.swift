import MarketplaceCore

/// An operation that passed the structural checks Google makes before looking at the consumer.
struct ValidatedOperation: Sendable {
    struct Value: Sendable {
        var metric: String
        var int64: Int64?
        var double: Double?
    }

    var operationId: String
    var consumerId: String
    var startTime: Timestamp
    var endTime: Timestamp
    var values: [Value]
    var userLabels: [String: String]?

    /// contract §5.2–§5.3: operationId, consumerId and startTime required; endTime required for
    /// report; startTime ≤ endTime; int64 as a decimal string; one value per metric and label set;
    /// user labels within Google's label syntax.
    /// - Throws: 400 INVALID_ARGUMENT: such a request is refused whole.
    init(_ operation: OperationJSON, forReport: Bool) throws(GoogleAPIError) {
        guard let id = operation.operationId, !id.isEmpty else {
            throw .invalidArgument("operation.operationId is required.")
        }
        guard let consumer = operation.consumerId, !consumer.isEmpty else {
            throw .invalidArgument("operation \(id): consumerId is required.")
        }
        guard let startText = operation.startTime, let start = try? Timestamp(rfc3339: startText) else {
            throw .invalidArgument("operation \(id): startTime is required and must be RFC 3339.")
        }
        var end = start
        if let endText = operation.endTime {
            guard let parsed = try? Timestamp(rfc3339: endText) else {
                throw .invalidArgument("operation \(id): endTime must be RFC 3339.")
            }
            end = parsed
        } else if forReport {
            throw .invalidArgument("operation \(id): endTime is required for report.")
        }
        guard start <= end else { throw .invalidArgument("operation \(id): startTime is after endTime.") }
        var seen: Set<String> = []
        var values: [Value] = []
        for set in operation.metricValueSets ?? [] {
            guard let metric = set.metricName, !metric.isEmpty else {
                throw .invalidArgument("operation \(id): metricName is required.")
            }
            for value in set.metricValues ?? [] {
                let key =
                    metric + "|"
                    + (value.labels ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(
                        separator: ","
                    )
                guard seen.insert(key).inserted else {
                    throw .invalidArgument("operation \(id): metric \(metric) has two values with the same labels.")
                }
                switch (value.int64Value, value.doubleValue) {
                case (let text?, nil):
                    guard let number = Int64(text) else {
                        throw .invalidArgument("operation \(id): int64Value \"\(text)\" is not an int64.")
                    }
                    values.append(Value(metric: metric, int64: number, double: nil))
                case (nil, let number?):
                    values.append(Value(metric: metric, int64: nil, double: number))
                default:
                    throw .invalidArgument(
                        "operation \(id): each metric value needs exactly one of int64Value or doubleValue."
                    )
                }
            }
        }
        // Google's label syntax; a report carrying a label it refuses is refused whole.
        if let problem = UsageLabelRules.problems(operation.userLabels ?? [:]).first {
            throw .invalidArgument("operation \(id): userLabels: \(problem).")
        }
        operationId = id
        consumerId = consumer
        startTime = start
        endTime = end
        self.values = values
        userLabels = operation.userLabels
    }
}
