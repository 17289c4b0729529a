import EntitleStore
import Foundation
import MarketplaceCore

/// How the console shows values: short times, state names without their prefix, JSON compact.
enum ConsoleViews {
    /// A value for a mustache section: absent is `false` (an Optional in `Any` would show "nil").
    static func section(_ value: Any?) -> Any { value ?? false }

    static func time(_ timestamp: Timestamp?) -> String {
        guard let timestamp else { return "" }
        let text = timestamp.rfc3339
        return String(text.prefix(19)).replacingOccurrences(of: "T", with: " ") + "Z"
    }

    static func state(_ state: EntitlementState?) -> String {
        state?.rawValue.replacingOccurrences(of: "ENTITLEMENT_", with: "") ?? ""
    }

    static func entitlementRow(_ local: LocalEntitlement, _ policies: ApprovalPolicies) -> [String: Any] {
        [
            "id": local.id.rawValue, "account": local.accountID?.rawValue ?? "",
            "product": local.resource.productExternalName ?? local.resource.product ?? "",
            "plan": local.plan ?? "", "state": state(local.state) + (local.isDeleted ? " (deleted)" : ""),
            "waiting": waiting(local, policies).map(\.text) ?? "", "updated": time(local.updateTime),
        ]
    }

    struct Wait {
        var text: String
        /// A person (the console, the CLI, the admin API) decides it.
        var onPerson: Bool
    }

    /// What the entitlement waits for, if anything: a refusal Google gave, a person's decision
    /// (manual policies, and Entitle has not asked Google to approve), the buyer's sign-up.
    static func waiting(_ local: LocalEntitlement, _ policies: ApprovalPolicies) -> Wait? {
        if let reason = local.waitingReason { return Wait(text: reason, onPerson: false) }
        guard !local.isDeleted else { return nil }
        let policy = policies.policy(for: local.resource)
        switch local.state {
        case .activationRequested? where local.requestedApproval == nil:
            switch policy.entitlement {
            case .manual: return Wait(text: "your approval", onPerson: true)
            case .afterSignup: return Wait(text: "the buyer's sign-up", onPerson: false)
            case .automatic: return nil
            }
        case .pendingPlanChangeApproval? where policy.planChange == .manual:
            let plan = local.resource.newPendingPlan ?? "?"
            if case .planChange(let asked)? = local.requestedApproval?.kind, asked == plan { return nil }
            return Wait(text: "your approval of the change to \(plan)", onPerson: true)
        default:
            return nil
        }
    }

    /// A value's members as name/value rows (nested values as compact JSON).
    static func rows(_ value: some Encodable, only: Set<String>? = nil, skip: Set<String> = []) -> [[String: String]] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value),
            let object = try? JSONDecoder().decode([String: JSONValue].self, from: data)
        else { return [] }
        return object.keys.sorted().filter { (only?.contains($0) ?? true) && !skip.contains($0) }.map { key in
            ["name": key, "value": text(object[key] ?? .null, encoder)]
        }
    }

    private static func text(_ value: JSONValue, _ encoder: JSONEncoder) -> String {
        switch value {
        case .string(let text): text
        case .bool(let flag): flag ? "true" : "false"
        case .number(let number): SVGChart.format(number)
        case .null: ""
        default: (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        }
    }

    static func operationRow(_ operation: UsageOperationRecord) -> [String: Any] {
        [
            "id": operation.id, "entitlement": operation.entitlementID.rawValue, "metric": operation.metric,
            "window": "\(time(operation.window.start)) – \(time(operation.window.end))",
            "quantity": String(operation.quantity),
            "status": operation.status.rawValue, "lastError": operation.lastError ?? "",
        ]
    }

    /// A customer's id in a URL path.
    static func link(_ id: String) -> String {
        id.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? id
    }
}
