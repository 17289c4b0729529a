/// Service Control v1 bodies as the discovery document names them (contract §5). The emulator's
/// own copies; `int64Value` is a JSON string (protobuf's int64 mapping), so a number is refused.
struct OperationJSON: Codable, Hashable, Sendable {
    var operationId: String?
    var operationName: String?
    var consumerId: String?
    var startTime: String?
    var endTime: String?
    var metricValueSets: [MetricValueSetJSON]?
    var labels: [String: String]?
    var userLabels: [String: String]?
}

struct MetricValueSetJSON: Codable, Hashable, Sendable {
    var metricName: String?
    var metricValues: [MetricValueJSON]?
}

struct MetricValueJSON: Codable, Hashable, Sendable {
    var int64Value: String?
    var doubleValue: Double?
    var labels: [String: String]?
    var startTime: String?
    var endTime: String?
}

struct CheckRequestJSON: Codable {
    var operation: OperationJSON?
    var serviceConfigId: String?
    var skipActivationCheck: Bool?
}

struct CheckResponseJSON: Codable {
    var operationId: String?
    var checkErrors: [CheckErrorJSON]?
    var serviceConfigId: String
    var serviceRolloutId: String
}

struct CheckErrorJSON: Codable, Hashable, Sendable {
    var code: String
    var subject: String?
    var detail: String?
}

struct ReportRequestJSON: Codable {
    var operations: [OperationJSON]?
    var serviceConfigId: String?
}

struct ReportResponseJSON: Codable {
    var reportErrors: [ReportErrorJSON]?
    var serviceConfigId: String
    var serviceRolloutId: String
}

struct ReportErrorJSON: Codable, Hashable, Sendable {
    var operationId: String?
    var status: StatusJSON
}

/// `google.rpc.Status`.
struct StatusJSON: Codable, Hashable, Sendable {
    var code: Int
    var message: String
}
