public import Foundation
import MarketplaceCore
import NIOHTTP1

/// Service Control v1 `check` and `report` for Marketplace usage (contract §5).
public struct ServiceControlClient: Sendable {
    /// contract §5.3: requests are at most 1 MB; batches stay under this, leaving room for the envelope.
    public static let maxRequestBytes = 1_000_000
    public static let maxOperationsPerReport = 1000

    public let baseURL: URL
    public let transport: GoogleAPITransport

    public init(baseURL: URL = GoogleEndpoints.google.serviceControl, transport: GoogleAPITransport) {
        self.baseURL = baseURL
        self.transport = transport
    }

    /// `services/{serviceName}:check` for one operation, sent without `userLabels` (report only).
    /// Idempotent: a check changes nothing.
    public func check(serviceName: String, _ operation: UsageOperation) async throws -> CheckResult {
        var operation = operation
        operation.userLabels = nil
        return try await transport.call(
            .POST,
            url(serviceName, "check"),
            body: CheckBody(operation: operation),
            safety: .idempotent
        )
    }

    /// One `report` request's fate.
    public struct BatchOutcome: Sendable {
        public var operationIDs: [String]
        /// Accepted, except the operations listed here (partial failure, contract §5.3).
        public var rejected: [String: OperationStatus]
        /// The request failed as a whole: the outcome of every operation in it is unknown, or
        /// (a `GoogleAPIError`) none was taken.
        public var failure: (any Error)?
    }

    /// `services/{serviceName}:report` for `operations`, split into requests of at most 1000
    /// operations and under 1 MB, sent one after another. Each request is retried only when
    /// Google said it did not process it (`RetrySafety.onlyIfNotProcessed`); otherwise its
    /// outcome is reported as unknown, for the caller's ledger to resend with the same ids.
    public func report(serviceName: String, _ operations: [UsageOperation]) async -> [BatchOutcome] {
        var outcomes: [BatchOutcome] = []
        for batch in Self.batches(operations) {
            let ids = batch.map(\.operationId)
            do {
                let response: ReportResponseBody = try await transport.call(
                    .POST,
                    url(serviceName, "report"),
                    body: ReportBody(operations: batch),
                    safety: .onlyIfNotProcessed
                )
                var rejected: [String: OperationStatus] = [:]
                for error in response.reportErrors ?? [] { rejected[error.operationId ?? ""] = error.status }
                outcomes.append(BatchOutcome(operationIDs: ids, rejected: rejected, failure: nil))
            } catch {
                outcomes.append(BatchOutcome(operationIDs: ids, rejected: [:], failure: error))
            }
        }
        return outcomes
    }

    /// Consecutive groups of at most 1000 operations whose request body stays under
    /// `maxRequestBytes`. An operation too big for a request of its own still goes alone (Google
    /// will refuse it, and says why).
    public static func batches(_ operations: [UsageOperation], maxBytes: Int = maxRequestBytes) -> [[UsageOperation]] {
        let encoder = JSONEncoder()
        let envelope = (try? encoder.encode(ReportBody(operations: [])).count) ?? 16
        var batches: [[UsageOperation]] = []
        var current: [UsageOperation] = []
        var size = envelope
        for operation in operations {
            // One comma between operations.
            let bytes = ((try? encoder.encode(operation).count) ?? maxBytes) + 1
            if !current.isEmpty, current.count == maxOperationsPerReport || size + bytes > maxBytes {
                batches.append(current)
                current = []
                size = envelope
            }
            current.append(operation)
            size += bytes
        }
        if !current.isEmpty { batches.append(current) }
        return batches
    }

    private func url(_ serviceName: String, _ verb: String) -> URL {
        GoogleURL.make(baseURL, "v1/services/\(GoogleURL.segment(serviceName)):\(verb)")
    }
}

struct CheckBody: Codable {
    var operation: UsageOperation
}

struct ReportBody: Codable {
    var operations: [UsageOperation]
}

struct ReportResponseBody: Codable {
    struct ReportError: Codable {
        var operationId: String?
        var status: OperationStatus
    }
    var reportErrors: [ReportError]?
}
