import Foundation
import MarketplaceCore

@testable import EntitleStore

/// The rows an upgrade test puts in an old schema: every column of every table filled (no NULLs,
/// so a migration that loses a column's data shows), with what Entitle itself writes where it
/// reads the value back (records, states, JSON), so the migrated store can serve them.
struct UpgradeRows {
    enum Value: Hashable, CustomStringConvertible {
        case text(String)
        case integer(Int64)
        case boolean(Bool)
        case blob([UInt8])

        var description: String {
            switch self {
            case .text(let text): "'\(text)'"
            case .integer(let number): "\(number)"
            case .boolean(let flag): "\(flag)"
            case .blob(let bytes): "x'\(bytes.map { String(format: "%02x", $0) }.joined())'"
            }
        }
    }

    /// `integer32`: PostgreSQL's INTEGER, which a microsecond time would overflow.
    enum Kind { case text, integer, integer32, boolean, blob }

    /// Tables that hold one row by design (`CHECK (id = 1)`).
    static let singletons: Set<String> = ["usage_reporting", "leader"]

    static func rowCount(_ table: String) -> Int { singletons.contains(table) ? 1 : 2 }

    /// Row `n` (1-based) of `table`, column `column` of SQL type `kind`.
    static func value(table: String, column: String, kind: Kind, row n: Int) throws -> Value {
        if let known = try realistic(table: table, column: column, row: n) { return known }
        // Distinct per column and row (a stable hash: Swift's hashValue changes between runs).
        let seed = (table + "." + column).utf8.reduce(Int64(7)) { ($0 &* 31 &+ Int64($1)) % 1_000_003 }
        switch kind {
        case .text: return .text("\(table).\(column).\(n)")
        case .integer: return .integer(1_700_000_000_000_000 + seed * 10 + Int64(n))
        case .integer32: return .integer(seed % 100_000 * 10 + Int64(n))
        case .boolean: return .boolean(n % 2 == 1)
        case .blob: return .blob(Array("\(table).\(column).\(n)".utf8))
        }
    }

    static func entitlementID(_ n: Int) -> String { "upgrade-entitlement-\(n)" }
    static func accountID(_ n: Int) -> String { "upgrade-account-\(n)" }
    static func customerID(_ n: Int) -> String { "upgrade-customer-\(n)" }

    // Values Entitle decodes when it serves the row.
    private static func realistic(table: String, column: String, row n: Int) throws -> Value? {
        switch (table, column) {
        case ("customer", "id"), ("account", "customer_id"), ("handoff", "customer_id"):
            return .text(customerID(n))
        case ("account", "id"), ("entitlement", "account_id"), ("signup_session", "account_id"),
            ("handoff", "account_id"),
            ("outbox", "account_id"):
            return .text(accountID(n))
        case ("entitlement", "id"), ("outbox", "entitlement_id"), ("usage_record", "entitlement_id"),
            ("usage_operation", "entitlement_id"), ("usage_cursor", "entitlement_id"):
            return .text(entitlementID(n))
        case ("account", "record"):
            let account = LocalAccount(id: try AccountID(accountID(n)), signupApproval: .approved, isSignedUp: true)
            return .text(try StoreJSON.encode(account))
        case ("entitlement", "record"):
            let resource = Entitlement(
                name: "providers/DEMO/entitlements/\(entitlementID(n))",
                account: "providers/DEMO/accounts/\(accountID(n))",
                product: "upgrade-product",
                plan: "plan-\(n)",
                state: .active
            )
            let entitlement = LocalEntitlement(
                id: try EntitlementID(entitlementID(n)),
                accountID: try AccountID(accountID(n)),
                resource: resource
            )
            return .text(try StoreJSON.encode(entitlement))
        case ("entitlement", "state"): return .text("ENTITLEMENT_ACTIVE")
        case ("entitlement", "product"): return .text("upgrade-product")
        case ("entitlement", "plan"): return .text("plan-\(n)")
        case ("outbox", "kind"): return .text(CallbackKind.activated.rawValue)
        case ("outbox", "status"): return .text(n == 1 ? "pending" : "delivered")
        case ("outbox", "body"): return .text(#"{"type":"entitlement.activated","n":\#(n)}"#)
        case ("outbox", "subject"): return .text("entitlements/\(entitlementID(n))")
        case ("usage_operation", "status"): return .text(n == 1 ? "pending" : "reported")
        case (_, "labels"): return .text(#"{"region":"r\#(n)"}"#)
        case (_, "attributes"): return .text(#"{"eventType":"ENTITLEMENT_ACTIVE"}"#)
        case ("audit_log", "kind"): return .text("action")
        case ("audit_log", "subject"), ("dead_letter", "subject"): return .text("entitlements/\(entitlementID(n))")
        case ("usage_record", "metric"), ("usage_operation", "metric"): return .text("api_calls")
        case ("usage_record", "quantity"), ("usage_operation", "quantity"): return .integer(Int64(10 * n))
        case (_, "attempts"): return .integer(Int64(n))
        case ("usage_reporting", "id"), ("leader", "id"): return .integer(1)
        default: return nil
        }
    }
}
