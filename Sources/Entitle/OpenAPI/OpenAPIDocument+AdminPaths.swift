import Foundation
import MarketplaceCore

/// `/api/admin`: the vendor's operators, with the admin token.
extension OpenAPIDocument {
    static var adminOperations: [OpenAPIOperation] {
        let unauthorized = O.problem("No admin token, or the wrong one.")
        let limit = { (defaultValue: Int, maximum: Int) in
            O.query(
                "limit",
                "At most this many (default \(defaultValue)).",
                ["type": "integer", "minimum": 1, "maximum": .number(Double(maximum))]
            )
        }
        func read(
            _ path: String,
            _ id: String,
            _ tag: String,
            _ summary: String,
            _ schema: JSONValue,
            parameters: [JSONValue] = [],
            more: [Int: JSONValue] = [:]
        )
            -> OpenAPIOperation
        {
            O(
                method: "get",
                path: path,
                id: id,
                tag: tag,
                summary: summary,
                security: .admin,
                parameters: parameters,
                responses: [200: O.json("The answer.", schema), 401: unauthorized].merging(more) { first, _ in first }
            )
        }
        let entitlementID = O.pathParameter("id", "The entitlement id.", S.id)
        let badID = O.problem("Not an entitlement id, or an unreadable body.")
        var operations: [OpenAPIOperation] = [
            read(
                "/api/admin/entitlements",
                "listEntitlements",
                "entitlements",
                "Entitlements by id, a page at a time, optionally in one state.",
                S.ref("EntitlementPage"),
                parameters: [
                    O.query(
                        "state",
                        "A state, with or without ENTITLEMENT_ (active, activation_requested, …).",
                        S.oneOf(stateNames)
                    ),
                    limit(100, 1000),
                    O.query("after", "The nextAfter of the previous page.", S.id),
                ],
                more: [400: O.problem("An unknown state, a bad limit, or a bad `after`.")]
            ),
            read(
                "/api/admin/entitlements/{id}",
                "getEntitlementDetail",
                "entitlements",
                "One entitlement with its audit timeline.",
                S.ref("EntitlementDetail"),
                parameters: [entitlementID],
                more: [400: O.problem("Not an entitlement id."), 404: O.problem("No such entitlement.")]
            ),
            read(
                "/api/admin/accounts/{id}",
                "getAccount",
                "accounts",
                "An account with its customer and entitlements.",
                S.ref("AccountDetail"),
                parameters: [O.pathParameter("id", "The account id.", S.id)],
                more: [400: O.problem("Not an account id."), 404: O.problem("No such account.")]
            ),
            read(
                "/api/admin/events",
                "listAuditLog",
                "audit",
                "The audit log, newest first.",
                S.array(S.ref("AuditEntry")),
                parameters: [
                    O.query("subject", "Only this subject (entitlements/ID, accounts/ID, usage)."), limit(100, 1000),
                ],
                more: [400: O.problem("A bad limit.")]
            ),
            read(
                "/api/admin/outbox",
                "listCallbacks",
                "callbacks",
                "Provisioning callbacks, optionally in one status.",
                S.array(S.ref("Callback")),
                parameters: [
                    O.query("status", "pending, delivered or failed.", S.oneOf(["pending", "delivered", "failed"]))
                ],
                more: [400: O.problem("An unknown status.")]
            ),
            read(
                "/api/admin/replicas",
                "getReplicas",
                "operations",
                "The replica that answered and who leads.",
                S.ref("Replicas")
            ),
            read(
                "/api/admin/poison",
                "listPoison",
                "notifications",
                "Messages that were not Marketplace notifications.",
                S.array(S.ref("PoisonMessage"))
            ),
            read(
                "/api/admin/dead-letters",
                "listDeadLetters",
                "notifications",
                "Notifications that failed too often.",
                S.array(S.ref("DeadLetter"))
            ),
            O(
                method: "post",
                path: "/api/admin/outbox/{id}/replay",
                id: "replayCallback",
                tag: "callbacks",
                summary: "Send a callback again (pending now, attempts from zero).",
                security: .admin,
                parameters: [O.pathParameter("id", "The callback id.")],
                responses: [
                    200: O.json("The callback, pending.", S.ref("Callback")), 401: unauthorized,
                    404: O.problem("No such callback."),
                ]
            ),
            O(
                method: "post",
                path: "/api/admin/dead-letters/{id}/replay",
                id: "replayDeadLetter",
                tag: "notifications",
                summary: "Process a dead-lettered notification again, now.",
                security: .admin,
                parameters: [O.pathParameter("id", "The dead letter's id (a number).")],
                responses: [
                    200: O.json("Processed; the dead letter with replayedAt.", S.ref("DeadLetter")), 401: unauthorized,
                    404: O.problem("No such dead letter."),
                    502: O.problem("It failed again (the error says why; replayError too)."),
                ]
            ),
        ]
        let decisions: [(String, String, String)] = [
            ("approve", "approveEntitlement", "Approve an order that waits for a person (Google's approve)."),
            ("reject", "rejectEntitlement", "Reject an order that waits (the reason is shown to the buyer)."),
            ("approve-plan-change", "approvePlanChange", "Approve the pending plan change."),
            ("reject-plan-change", "rejectPlanChange", "Reject the pending plan change."),
        ]
        for (verb, id, summary) in decisions {
            operations.append(
                O(
                    method: "post",
                    path: "/api/admin/entitlements/{id}/\(verb)",
                    id: id,
                    tag: "entitlements",
                    summary: summary,
                    security: .admin,
                    parameters: [entitlementID],
                    body: O.jsonBody(S.ref("Decision"), required: false, "Optional: {\"reason\": \"…\"}."),
                    responses: [
                        200: O.json("Decided: the entitlement as it is now.", S.ref("LocalEntitlement")), 400: badID,
                        401: unauthorized,
                        404: O.problem("No such entitlement."),
                        409: O.problem("Nothing of this kind waits, or Google refused."),
                        413: O.problem("The body is over 64 KiB."),
                    ]
                )
            )
        }
        operations.append(
            O(
                method: "post",
                path: "/api/admin/entitlements/{id}/message",
                id: "setMessageToUser",
                tag: "entitlements",
                summary: "Set (or with null or \"\" clear) what Google shows the buyer while the order waits on you.",
                security: .admin,
                parameters: [entitlementID],
                body: O.jsonBody(S.ref("MessageToUser"), required: false, "{\"message\": \"…\"}; none clears."),
                responses: [
                    200: O.json("Set: the entitlement as it is now.", S.ref("LocalEntitlement")), 400: badID,
                    401: unauthorized,
                    404: O.problem("No such entitlement."),
                    409: O.problem("The order does not wait on you now (Google keeps a message only then)."),
                    413: O.problem("The body is over 64 KiB."),
                    422: O.problem("Over 500 characters, or control characters."),
                ]
            )
        )
        return operations + usageOperations(unauthorized: unauthorized, limit: limit(500, 10_000))
    }

    static let stateNames: [String] = EntitlementState.knownCases.flatMap(AdminAPIController.stateNames)

    private static func usageOperations(unauthorized: JSONValue, limit: JSONValue) -> [OpenAPIOperation] {
        let statuses = { (names: String) in
            O.query(
                "status",
                "Comma-separated: \(names.replacingOccurrences(of: "|", with: ", ")).",
                ["type": "string", "pattern": .string("^(\(names))(,(\(names)))*$")]
            )
        }
        let entitlement = O.query("entitlement", "Only this entitlement's.", S.id)
        let off = O.problem("Usage reporting is off (usageReportIntervalSeconds = 0).")
        return [
            O(
                method: "get",
                path: "/api/admin/usage",
                id: "listUsage",
                tag: "usage",
                summary: "The ledger: operations by status and entitlement, and usage not yet sealed.",
                security: .admin,
                parameters: [
                    entitlement, statuses("pending|reported|check_failed|rejected|unknown|superseded"), limit,
                ],
                responses: [
                    200: O.json("The ledger.", S.ref("UsageView")),
                    400: O.problem("A bad status, entitlement or limit."), 401: unauthorized,
                ]
            ),
            O(
                method: "get",
                path: "/api/admin/usage/problems",
                id: "usageProblems",
                tag: "usage",
                summary: "What keeps usage from being billed.",
                security: .admin,
                responses: [200: O.json("Problems, each with its reason.", S.ref("UsageProblems")), 401: unauthorized]
            ),
            O(
                method: "post",
                path: "/api/admin/usage/rerun",
                id: "rerunUsage",
                tag: "usage",
                summary: "Put refused operations back to pending (by default rejected and check_failed).",
                security: .admin,
                parameters: [entitlement, statuses("rejected|check_failed|unknown")],
                responses: [
                    200: O.json("How many.", S.ref("UsageRerun")),
                    400: O.problem("A bad status (reported, superseded and pending are never re-run) or entitlement."),
                    401: unauthorized,
                ]
            ),
            O(
                method: "get",
                path: "/api/admin/usage/preview",
                id: "previewUsagePass",
                tag: "usage",
                summary: "What the next reporting pass would seal and send.",
                security: .admin,
                responses: [200: O.json("The preview.", S.ref("UsagePreview")), 401: unauthorized, 404: off]
            ),
            O(
                method: "post",
                path: "/api/admin/usage/report",
                id: "runUsagePass",
                tag: "usage",
                summary: "Run a reporting pass now (on the leader).",
                security: .admin,
                responses: [
                    200: O.json("What the pass did.", S.ref("UsagePass")), 401: unauthorized, 404: off,
                    409: O.problem("This replica does not lead; ask the leader."),
                ]
            ),
            O(
                method: "post",
                path: "/api/admin/usage/operations/{id}/rerun",
                id: "rerunUsageOperation",
                tag: "usage",
                summary: "Put one operation back to pending (same id and value).",
                security: .admin,
                parameters: [O.pathParameter("id", "The operation id.")],
                responses: [
                    200: O.json("The operation, pending.", S.ref("UsageOperation")), 401: unauthorized,
                    404: O.problem("No such operation."),
                    409: O.problem("It was reported or superseded: never sent again."),
                ]
            ),
        ]
    }
}
