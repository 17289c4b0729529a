/// Service Control v1 bodies as the discovery document names them (contract §5). The emulator's
/// own copies; `int64Value` is read as proto3 JSON reads an int64: a decimal string (what Google's
/// clients send) or an integer number, exactly (a fraction is refused).
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

    enum CodingKeys: String, CodingKey { case int64Value, doubleValue, labels, startTime, endTime }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let text = try? container.decodeIfPresent(String.self, forKey: .int64Value) {
            int64Value = text
        } else if let number = try? container.decodeIfPresent(Int64.self, forKey: .int64Value) {
            int64Value = String(number)
        } else if container.contains(.int64Value), try !container.decodeNil(forKey: .int64Value) {
            // A fraction or a value past int64: kept as written, refused by validation with its text.
            int64Value = (try? container.decode(Double.self, forKey: .int64Value)).map { "\($0)" } ?? "(not a number)"
        }
        doubleValue = try container.decodeIfPresent(Double.self, forKey: .doubleValue)
        labels = try container.decodeIfPresent([String: String].self, forKey: .labels)
        startTime = try container.decodeIfPresent(String.self, forKey: .startTime)
        endTime = try container.decodeIfPresent(String.self, forKey: .endTime)
    }
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
