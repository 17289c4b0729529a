import EntitleStore
import Foundation
import Hummingbird
import MarketplaceCore

/// The console's pages (GET).
extension ConsoleController {
    static let pageSize = 50

    func registerPages<Context: RequestContext>(on router: Router<Context>) {
        router.get("admin") { request, _ in try await page(request) { try await overview(request, $0) } }
        router.get("admin/entitlements") { request, _ in try await page(request) { try await entitlements(request, $0) }
        }
        router.get("admin/entitlements/:id") { request, context in
            try await page(request) { try await entitlement(AppAPIController.parameter("id", context), request, $0) }
        }
        router.get("admin/customers") { request, _ in
            try await page(request) { session in
                let rows = try await store.customers(
                    after: request.uri.queryParameters.get("after"),
                    limit: Self.pageSize
                )
                let customers: [[String: Any]] = rows.map {
                    [
                        "id": $0.customer.id, "link": ConsoleViews.link($0.customer.id),
                        "company": $0.customer.company ?? "",
                        "contactName": $0.customer.contactName ?? "", "email": $0.customer.email ?? "",
                        "accounts": $0.accounts,
                        "createdAt": ConsoleViews.time($0.customer.createdAt),
                    ]
                }
                let next = rows.count == Self.pageSize ? rows.last.map { ConsoleViews.link($0.customer.id) } : nil
                return render(
                    "customers",
                    ["title": "Customers", "customers": customers, "next": ConsoleViews.section(next)],
                    session: session,
                    request: request
                )
            }
        }
        router.get("admin/customers/:id") { request, context in
            try await page(request) { session in
                let id = AppAPIController.parameter("id", context)
                guard let customer = try await store.customer(id: id) else {
                    return Self.alert("/admin/customers", .error, "No customer \(id).", session)
                }
                let accounts = try await store.accounts(ofCustomer: id)
                return try await accountsPage(customer: customer, accounts: accounts, request, session)
            }
        }
        router.get("admin/accounts/:id") { request, context in
            try await page(request) { session in
                guard let id = try? AccountID(AppAPIController.parameter("id", context)) else {
                    return Self.redirect("/admin/customers")
                }
                return try await accountsPage(
                    customer: try await store.customer(forAccount: id),
                    accounts: [id],
                    request,
                    session
                )
            }
        }
        router.get("admin/callbacks") { request, _ in
            try await page(request) { session in
                let status = request.uri.queryParameters.get("status").flatMap(OutboxItem.Status.init(rawValue:))
                let callbacks: [[String: Any]] = try await store.callbacks(status: status, limit: 500).map {
                    [
                        "id": $0.id, "kind": $0.kind.rawValue, "subject": $0.subject, "status": $0.status.rawValue,
                        "attempts": $0.attempts,
                        "next": $0.status == .pending ? ConsoleViews.time($0.nextAttemptAt) : "",
                        "lastError": $0.lastError ?? "",
                    ]
                }
                return render(
                    "callbacks",
                    ["title": "Callbacks", "callbacks": callbacks],
                    session: session,
                    request: request
                )
            }
        }
        router.get("admin/dead-letters") { request, _ in
            try await page(request) { session in
                let letters: [[String: Any]] = try await store.deadLetters(limit: 500).map {
                    [
                        "id": $0.id.map(String.init) ?? "", "subject": $0.subject ?? "", "eventID": $0.eventID ?? "",
                        "attempts": $0.attempts,
                        "error": $0.error, "at": ConsoleViews.time($0.deadLetteredAt),
                        "replayed": ConsoleViews.time($0.replayedAt),
                        "replayError": ConsoleViews.section($0.replayError),
                    ]
                }
                return render(
                    "dead-letters",
                    ["title": "Dead letters", "letters": letters],
                    session: session,
                    request: request
                )
            }
        }
        router.get("admin/usage") { request, _ in try await page(request) { try await usage(request, $0) } }
        router.get("admin/settings") { request, _ in
            try await page(request) { session in
                let rows = settings.configuration.map { ["name": $0.0, "value": $0.1] }
                return render(
                    "settings",
                    ["title": "Settings", "settings": rows, "replica": settings.replica],
                    session: session,
                    request: request
                )
            }
        }
    }

    private func overview(_ request: Request, _ session: ConsoleSession) async throws -> Response {
        let counts = try await store.counts()
        let states: [[String: Any]] = EntitlementState.knownCases.compactMap { state in
            guard let count = counts.entitlements[state.rawValue], count > 0 else { return nil }
            return [
                "name": ConsoleViews.state(state).lowercased().replacingOccurrences(of: "_", with: " "),
                "query": state.rawValue, "count": count,
            ]
        }
        let waiting = try await waitingEntitlements(limit: 200)
        let activity = try await store.consoleActivity(since: now().adding(seconds: -14 * 86400))
        return render(
            "overview",
            [
                "title": "Overview", "states": states, "waitingApprovals": waiting.count,
                "waiting": waiting.isEmpty
                    ? false
                    : [
                        "items": waiting.prefix(20).map { ConsoleViews.entitlementRow($0, processor.policies) }.map {
                            row in
                            var row = row
                            row["reason"] = row["waiting"]
                            return row
                        }
                    ] as [String: Any],
                "deadLetters": counts.deadLetters, "failedCallbacks": counts.callbacks["failed"] ?? 0,
                "usageProblems": counts.usageBlockedEntitlements + (counts.usageOperations["rejected"] ?? 0)
                    + (counts.usageReportingBlocked ? 1 : 0),
                "charts": ConsoleCharts(activity: activity, now: now()).all,
            ],
            session: session,
            request: request
        )
    }

    /// Orders a person has to decide (manual policies).
    func waitingEntitlements(limit: Int) async throws -> [LocalEntitlement] {
        var waiting: [LocalEntitlement] = []
        for state in [EntitlementState.activationRequested, .pendingPlanChangeApproval] {
            waiting += try await store.entitlements(matching: EntitlementFilter(state: state), after: nil, limit: limit)
        }
        return waiting.filter { ConsoleViews.waiting($0, processor.policies)?.onPerson == true }
    }

    private func entitlements(_ request: Request, _ session: ConsoleSession) async throws -> Response {
        let query = request.uri.queryParameters
        let text = { (name: String) -> String? in
            query.get(name).flatMap {
                $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0.trimmingCharacters(in: .whitespaces)
            }
        }
        if let id = text("id") { return Self.redirect("/admin/entitlements/" + ConsoleViews.link(id)) }
        let state = text("state").flatMap { name in
            EntitlementState.knownCases.first {
                $0.rawValue == name || ConsoleViews.state($0).lowercased() == name.lowercased()
            }
        }
        let filter = EntitlementFilter(
            state: state,
            product: text("product"),
            plan: text("plan"),
            account: text("account").flatMap { try? AccountID($0) }
        )
        let after = text("after").flatMap { try? EntitlementID($0) }
        let rows: [LocalEntitlement] =
            query.get("waiting") == "1"
            ? try await waitingEntitlements(limit: 500)
            : try await store.entitlements(matching: filter, after: after, limit: Self.pageSize)
        var next: String?
        if rows.count == Self.pageSize, let last = rows.last, query.get("waiting") != "1" {
            var items = [("after", last.id.rawValue)]
            for name in ["state", "product", "plan", "account"] {
                if let value = text(name) { items.append((name, value)) }
            }
            next = "/admin/entitlements?" + items.map { "\($0.0)=\(Self.encode($0.1))" }.joined(separator: "&")
        }
        let options: [[String: Any]] = EntitlementState.knownCases.map {
            ["value": $0.rawValue, "selected": $0 == state]
        }
        return render(
            "entitlements",
            [
                "title": "Entitlements", "rows": rows.map { ConsoleViews.entitlementRow($0, processor.policies) },
                "next": ConsoleViews.section(next),
                "stateOptions": options,
                "product": text("product") ?? "", "plan": text("plan") ?? "", "account": text("account") ?? "",
            ],
            session: session,
            request: request
        )
    }

    private func accountsPage(
        customer: Customer?,
        accounts: [AccountID],
        _ request: Request,
        _ session: ConsoleSession
    ) async throws -> Response {
        var views: [[String: Any]] = []
        for id in accounts {
            let account = try await store.account(id)
            let entitlements = try await store.entitlements(ofAccount: id).sorted { $0.id < $1.id }
            let people: [[String: Any]] = try await store.people(ofAccount: id).map {
                [
                    "identity": $0.identity, "roles": $0.roles.joined(separator: ", "),
                    "orders": $0.orders.joined(separator: ", "), "firstSeen": ConsoleViews.time($0.firstSeen),
                    "lastSeen": ConsoleViews.time($0.lastSeen),
                ]
            }
            views.append([
                "id": id.rawValue, "signedUp": account?.isSignedUp == true ? "yes" : "no",
                "approval": account?.signupApproval?.rawValue ?? "unknown",
                "entitlements": entitlements.map { ConsoleViews.entitlementRow($0, processor.policies) },
                "people": people, "hasPeople": !people.isEmpty,
            ])
        }
        let customerView: Any =
            customer.map {
                [
                    "id": $0.id, "company": $0.company ?? "", "contactName": $0.contactName ?? "",
                    "email": $0.email ?? "",
                    "createdAt": ConsoleViews.time($0.createdAt),
                ]
            }
            .map { $0 as Any } ?? false
        let title = customer?.company ?? customer?.id ?? "Account \(accounts.first?.rawValue ?? "")"
        return render(
            "customer",
            ["title": title, "customer": customerView, "accounts": views],
            session: session,
            request: request
        )
    }
}
