import EntitleStore
import Foundation
import Hummingbird
import MarketplaceCore

/// The admin API's usage routes: the ledger per entitlement and status, a dry run of the next
/// pass, a pass now, and re-running an operation Google refused or a check failed.
extension AdminAPIController {
    struct UsageView: Codable {
        var cursor: UsageCursor?
        var operations: [UsageOperationRecord]
        var unsealed: [UsageAggregate]
    }

    func registerUsage<Context: RequestContext>(on api: RouterGroup<Context>) {
        api.get("usage") { request, _ in
            try await authorized(request) {
                let query = request.uri.queryParameters
                let entitlement = try query.get("entitlement").map { try EntitlementID($0) }
                let statuses = try query.get("status").map { text in
                    guard let status = UsageOperationRecord.Status(rawValue: text) else {
                        let known = UsageOperationRecord.Status.allCases.map(\.rawValue).joined(separator: ", ")
                        throw AdminRequestError(status: .badRequest, message: "status \(text) is not one of \(known)")
                    }
                    return [status]
                }
                let limit = min(max(Int(query.get("limit") ?? "") ?? 500, 1), 10_000)
                return try Self.json(
                    UsageView(
                        cursor: try await entitlement.asyncMap { try await store.usageCursor($0) } ?? nil,
                        operations: try await store.usageOperations(statuses: statuses ?? [], entitlement: entitlement, limit: limit),
                        unsealed: try await store.unsealedUsage(entitlement: entitlement)
                    )
                )
            }
        }
        api.get("usage/preview") { request, _ in
            try await authorized(request) {
                guard let usageReporter else {
                    throw AdminRequestError(status: .notFound, message: "usage reporting is off (usageReportIntervalSeconds = 0)")
                }
                return try Self.json(try await usageReporter.preview())
            }
        }
        api.post("usage/report") { request, _ in
            try await authorized(request) {
                guard let usageReporter else {
                    throw AdminRequestError(status: .notFound, message: "usage reporting is off (usageReportIntervalSeconds = 0)")
                }
                return try Self.json(try await usageReporter.pass())
            }
        }
        api.post("usage/operations/:id/rerun") { request, context in
            try await authorized(request) {
                let id = context.parameters.get("id") ?? ""
                guard let operation = try await store.usageOperation(id: id) else {
                    throw AdminRequestError(status: .notFound, message: "no usage operation \(id)")
                }
                guard operation.status != .reported else {
                    throw AdminRequestError(status: .conflict, message: "operation \(id) was reported; a reported window is never sent again")
                }
                // Same id and value: if Google took it after all, it sees the same operation.
                try await store.updateUsageOperations(
                    [UsageOperationUpdate(id: id, status: .pending, error: nil, attempted: false)],
                    at: Timestamp(Date())
                )
                return try Self.json(try await store.usageOperation(id: id))
            }
        }
    }
}
