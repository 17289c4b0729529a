import EntitleStore
import Foundation
import Hummingbird
import MarketplaceCore

/// The admin API's usage routes: the ledger per entitlement and status, what blocks billing, a
/// dry run of the next pass, a pass now, and re-running operations Google refused or a check failed.
extension AdminAPIController {
    struct UsageView: Codable {
        var cursor: UsageCursor?
        var operations: [UsageOperationRecord]
        var unsealed: [UsageAggregate]
    }

    /// What keeps usage from being billed, each with its reason.
    struct UsageProblems: Codable {
        /// Google refuses Entitle's access to Service Control: nothing is reported until it passes.
        var reportingBlocked: UsageReportingBlock?
        /// Entitlements whose check failed or whose usage could not be sealed.
        var entitlements: [UsageCursor]
        /// Operations Google refused (re-runnable).
        var rejected: [UsageOperationRecord]
    }

    struct RerunSummary: Codable {
        var rerun: Int
    }

    static func statuses(_ text: Substring?) throws -> [UsageOperationRecord.Status]? {
        try text.map { text in
            try text.split(separator: ",", omittingEmptySubsequences: false).map { part in
                guard let status = UsageOperationRecord.Status(rawValue: String(part)) else {
                    let known = UsageOperationRecord.Status.allCases.map(\.rawValue).joined(separator: ", ")
                    throw APIProblem(.badRequest, "status \(part) is not one of \(known)")
                }
                return status
            }
        }
    }

    func registerUsage<Context: RequestContext>(on api: RouterGroup<Context>) {
        api.get("usage") { request, _ in
            try await answering {
                let query = request.uri.queryParameters
                let entitlement = try query.get("entitlement").map { try EntitlementID($0) }
                let statuses = try Self.statuses(query.get("status").map { Substring($0) })
                let limit = try Self.limit(query.get("limit"), default: 500, maximum: 10_000)
                return try Self.json(
                    UsageView(
                        cursor: try await entitlement.asyncMap { try await store.usageCursor($0) } ?? nil,
                        operations: try await store.usageOperations(
                            statuses: statuses ?? [],
                            entitlement: entitlement,
                            limit: limit
                        ),
                        unsealed: try await store.unsealedUsage(entitlement: entitlement)
                    )
                )
            }
        }
        api.get("usage/problems") { request, _ in
            try await answering {
                try Self.json(
                    UsageProblems(
                        reportingBlocked: try await store.usageReportingBlock(),
                        entitlements: try await store.usageProblems(limit: 1000),
                        rejected: try await store.usageOperations(statuses: [.rejected], entitlement: nil, limit: 1000)
                    )
                )
            }
        }
        api.post("usage/rerun") { request, _ in
            try await answering {
                let query = request.uri.queryParameters
                let entitlement = try query.get("entitlement").map { try EntitlementID($0) }
                let statuses =
                    try Self.statuses(query.get("status").map { Substring($0) }) ?? [.rejected, .checkFailed]
                if let refused = statuses.first(where: { [.reported, .superseded, .pending].contains($0) }) {
                    throw APIProblem(
                        .badRequest,
                        "\(refused.rawValue) operations are not re-run; status is rejected, check_failed or unknown"
                    )
                }
                let count = try await actions.rerunUsage(statuses: statuses, entitlement: entitlement)
                return try Self.json(RerunSummary(rerun: count))
            }
        }
        api.get("usage/preview") { request, _ in
            try await answering {
                guard let usageReporter else {
                    throw APIProblem(.notFound, "usage reporting is off (usageReportIntervalSeconds = 0)")
                }
                return try Self.json(try await usageReporter.preview())
            }
        }
        api.post("usage/report") { request, _ in
            try await answering {
                guard let usageReporter else {
                    throw APIProblem(.notFound, "usage reporting is off (usageReportIntervalSeconds = 0)")
                }
                // Passes run on the leader only: two replicas' passes would send the same operations.
                guard leadership.isLeader else {
                    let leader = try await store.leader()?.replica ?? "unknown"
                    throw APIProblem(
                        .conflict,
                        "replica \(leadership.replica) does not lead; ask the leader (\(leader))"
                    )
                }
                return try Self.json(try await usageReporter.pass())
            }
        }
        api.post("usage/operations/:id/rerun") { request, context in
            try await answering {
                try Self.json(try await actions.rerunOperation(context.parameters.get("id") ?? ""))
            }
        }
    }
}
