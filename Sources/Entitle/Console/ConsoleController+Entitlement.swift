import EntitleStore
import Foundation
import Hummingbird
import MarketplaceCore

/// The entitlement page and the usage page: the records side by side, the timeline, callbacks,
/// the ledger, and the actions that apply now.
extension ConsoleController {
    func entitlement(_ text: String, _ request: Request, _ session: ConsoleSession) async throws -> Response {
        guard let id = try? EntitlementID(text), let local = try await store.entitlement(id) else {
            return Self.alert("/admin/entitlements", .error, "No entitlement \(text).", session)
        }
        let resource = local.resource
        let offerFields: Set<String> = [
            "offer", "offerDuration", "offerEndTime", "newPendingOffer", "newPendingOfferDuration", "newOfferStartTime",
            "newOfferEndTime",
            "subscriptionEndTime",
        ]
        let callbacks: [[String: Any]] = try await store.callbacks(subject: "entitlements/\(id.rawValue)", limit: 500)
            .map {
                [
                    "id": $0.id, "kind": $0.kind.rawValue, "status": $0.status.rawValue, "attempts": $0.attempts,
                    "lastError": $0.lastError ?? "",
                    "entitlement": id.rawValue,
                ]
            }
        let operations = try await store.usageOperations(statuses: [], entitlement: id, limit: 500).sorted {
            $0.window.start < $1.window.start
        }
        let timeline: [[String: Any]] = try await store.auditLog(subject: "entitlements/\(id.rawValue)", limit: 300).map
        {
            [
                "at": ConsoleViews.time($0.at), "kind": $0.kind.rawValue, "summary": $0.summary,
                "eventID": $0.eventID ?? "",
            ]
        }
        let customer = try await local.accountID.asyncMap { try await store.customer(forAccount: $0) } ?? nil
        var localRows: [[String: String]] = [
            ["name": "deleted", "value": local.isDeleted ? "yes" : "no"],
            ["name": "waiting for", "value": ConsoleViews.waiting(local, processor.policies)?.text ?? "nothing"],
        ]
        if let missing = local.missingSince {
            localRows.append(["name": "missing at Google since", "value": ConsoleViews.time(missing)])
        }
        if let requested = local.requestedApproval?.forUpdateTime {
            localRows.append(["name": "approval asked for the version of", "value": ConsoleViews.time(requested)])
        }
        let usageBars = operations.suffix(24).map {
            SVGChart.Bar(
                label: String(ConsoleViews.time($0.window.start).dropFirst(5).prefix(11)),
                value: Double($0.quantity)
            )
        }
        return render(
            "entitlement",
            [
                "title": "Entitlement \(id.rawValue)", "id": id.rawValue, "state": ConsoleViews.state(local.state),
                "plan": resource.plan ?? "",
                "pendingPlan": ConsoleViews.section(resource.newPendingPlan),
                "account": local.accountID?.rawValue ?? "",
                "customer": ConsoleViews.section(
                    customer.map { ["link": ConsoleViews.link($0.id), "name": $0.company ?? $0.id] }
                ),
                "waiting": ConsoleViews.section(ConsoleViews.waiting(local, processor.policies)?.text),
                "canApprove": !local.isDeleted && local.state == .activationRequested,
                "canDecidePlanChange": !local.isDeleted && local.state == .pendingPlanChangeApproval,
                "canMessage": !local.isDeleted
                    && (local.state == .activationRequested || local.state == .pendingPlanChangeApproval),
                "messageToUser": resource.messageToUser ?? "",
                "google": ConsoleViews.rows(resource, skip: offerFields), "local": localRows,
                "offer": ConsoleViews.rows(resource, only: offerFields), "timeline": timeline, "callbacks": callbacks,
                "usage": operations.reversed().map(ConsoleViews.operationRow),
                "usageChart": operations.isEmpty ? "" : SVGChart(bars: Array(usageBars), unit: "per window").svg,
            ],
            session: session,
            request: request
        )
    }

    func usage(_ request: Request, _ session: ConsoleSession) async throws -> Response {
        let problems = try await store.usageOperations(
            statuses: [.rejected, .checkFailed, .unknown],
            entitlement: nil,
            limit: 500
        )
        let held = try await store.usageProblems(limit: 500)
        let block = try await store.usageReportingBlock()
        var values: [String: Any] = [
            "title": "Usage", "problems": problems.map(ConsoleViews.operationRow),
            "blocked": ConsoleViews.section(block.map { ["since": ConsoleViews.time($0.since), "reason": $0.reason] }),
            "entitlementsBlocked": held.isEmpty
                ? false
                : [
                    "items": held.map {
                        ["entitlement": $0.entitlementID.rawValue, "reason": $0.blockedReason ?? $0.sealingError ?? ""]
                    }
                ]
                    as [String: Any],
            "toSend": 0, "toSeal": 0,
        ]
        if let usageReporter {
            let preview = try await usageReporter.preview()
            values["toSend"] = preview.toSend.count
            values["toSeal"] = preview.toSeal.count
            values["at"] = ConsoleViews.time(preview.at)
            values["preview"] = preview.toSend.prefix(100).map(ConsoleViews.operationRow)
        }
        return render("usage", values, session: session, request: request)
    }
}
