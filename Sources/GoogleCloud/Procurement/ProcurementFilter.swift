import Foundation
public import MarketplaceCore

/// A filter for `entitlements.list` in the documented grammar (contract §3.3), written with
/// correct quoting: a value with anything but letters, digits and `_` is double-quoted, with `"`
/// and `\` escaped.
public indirect enum ProcurementFilter: Hashable, Sendable, CustomStringConvertible {
    case equals(String, String)
    case notEquals(String, String)
    /// `attr:value`, membership in a repeated field such as `consumers.project`.
    case has(String, String)
    case and([ProcurementFilter])
    case or([ProcurementFilter])
    case not(ProcurementFilter)

    public static func account(_ id: AccountID) -> Self { .equals("account", id.rawValue) }
    public static func state(_ state: EntitlementState) -> Self { .equals("state", state.rawValue) }
    public static func plan(_ plan: String) -> Self { .equals("plan", plan) }
    public static func newPendingPlan(_ plan: String) -> Self { .equals("new_pending_plan", plan) }
    public static func productExternalName(_ name: String) -> Self { .equals("product_external_name", name) }
    public static func offer(_ offer: String) -> Self { .equals("offer", offer) }
    public static func consumerProject(_ project: String) -> Self { .has("consumers.project", project) }

    public static func && (lhs: Self, rhs: Self) -> Self { .and([lhs, rhs]) }
    public static func || (lhs: Self, rhs: Self) -> Self { .or([lhs, rhs]) }
    public static prefix func ! (operand: Self) -> Self { .not(operand) }

    /// The filter text sent as `filter=`.
    public var description: String {
        switch self {
        case .equals(let attribute, let value): "\(attribute)=\(Self.quoted(value))"
        case .notEquals(let attribute, let value): "\(attribute)!=\(Self.quoted(value))"
        case .has(let attribute, let value): "\(attribute):\(Self.quoted(value))"
        case .and(let parts): parts.map { $0.grouped }.joined(separator: " AND ")
        case .or(let parts): parts.map { $0.grouped }.joined(separator: " OR ")
        case .not(let operand): "NOT \(operand.grouped)"
        }
    }

    /// Compound operands in parentheses, so precedence never depends on the server's rules.
    private var grouped: String {
        switch self {
        case .and, .or, .not: "(\(description))"
        default: description
        }
    }

    static func quoted(_ value: String) -> String {
        let plain =
            !value.isEmpty
            && value.unicodeScalars.allSatisfy {
                $0 == "_" || ($0.isASCII && $0.properties.isAlphabetic) || ("0"..."9").contains($0)
            }
        guard !plain else { return value }
        return "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            + "\""
    }
}
