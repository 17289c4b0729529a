import MarketplaceCore

/// The `entitlements.list` filter of the discovery document (contract §3.3): `attr=value`,
/// `attr!=value`, `attr:value` (membership, for repeated fields), `AND`, `OR`, `NOT`, parentheses,
/// juxtaposition as AND, and double-quoted values.
indirect enum EntitlementFilter: Hashable, Sendable {
    case all
    case comparison(attribute: String, op: Operator, value: String)
    case not(EntitlementFilter)
    case and(EntitlementFilter, EntitlementFilter)
    case or(EntitlementFilter, EntitlementFilter)

    enum Operator: String, Hashable, Sendable {
        case equals = "="
        case notEquals = "!="
        case has = ":"
    }

    static let scalarAttributes: Set<String> = [
        "account", "product_external_name", "quote_external_name", "offer", "new_pending_offer", "plan",
        "newPendingPlan", "new_pending_plan", "state", "product", "services", "customer_billing_account",
    ]
    static let repeatedAttributes: Set<String> = ["consumers.project", "change_history.new_offer"]

    /// Parses a filter; an empty one matches everything.
    /// - Throws: 400 INVALID_ARGUMENT naming what is wrong.
    init(parsing text: String) throws(GoogleAPIError) {
        var parser = FilterParser(tokens: try FilterLexer.tokens(text))
        self = try parser.parse()
    }

    func matches(_ record: EntitlementRecord, billingAccount: String?) -> Bool {
        switch self {
        case .all: true
        case .not(let inner): !inner.matches(record, billingAccount: billingAccount)
        case .and(let left, let right):
            left.matches(record, billingAccount: billingAccount)
                && right.matches(record, billingAccount: billingAccount)
        case .or(let left, let right):
            left.matches(record, billingAccount: billingAccount)
                || right.matches(record, billingAccount: billingAccount)
        case .comparison(let attribute, let op, let value):
            Self.compare(attribute, op, value, record, billingAccount)
        }
    }

    private static func compare(
        _ attribute: String,
        _ op: Operator,
        _ value: String,
        _ record: EntitlementRecord,
        _ billingAccount: String?
    ) -> Bool {
        let entitlement = record.resource
        if repeatedAttributes.contains(attribute) {
            let values =
                attribute == "consumers.project"
                ? (entitlement.consumers ?? []).compactMap(\.project) : record.offerHistory
            return values.contains(value)
        }
        let actual: String?
        switch attribute {
        case "account": actual = entitlement.accountID?.rawValue
        case "product_external_name", "services": actual = entitlement.productExternalName
        case "quote_external_name": actual = entitlement.quoteExternalName
        case "offer": actual = entitlement.offer
        case "new_pending_offer": actual = entitlement.newPendingOffer
        case "plan": actual = entitlement.plan
        case "newPendingPlan", "new_pending_plan": actual = entitlement.newPendingPlan
        case "product": actual = entitlement.product
        case "customer_billing_account": actual = billingAccount
        default: actual = entitlement.state?.rawValue  // "state", validated by the parser
        }
        let equal: Bool
        if attribute == "state" {
            // contract §3.3: case-insensitive, and the ENTITLEMENT_ prefix may be left out.
            let wanted = value.uppercased()
            equal = actual == wanted || actual == "ENTITLEMENT_" + wanted
        } else if attribute == "account", let actual {
            equal = actual == value || "providers/\(entitlement.provider ?? "")/accounts/\(actual)" == value
        } else {
            equal = actual == value
        }
        return op == .notEquals ? !equal : equal
    }
}

enum FilterToken: Hashable {
    case word(String)
    case quoted(String)
    case op(EntitlementFilter.Operator)
    case open
    case close
}

enum FilterLexer {
    static func tokens(_ text: String) throws(GoogleAPIError) -> [FilterToken] {
        var tokens: [FilterToken] = []
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if character.isWhitespace {
                index = text.index(after: index)
            } else if character == "(" || character == ")" {
                tokens.append(character == "(" ? .open : .close)
                index = text.index(after: index)
            } else if character == "=" || character == ":" {
                tokens.append(.op(character == "=" ? .equals : .has))
                index = text.index(after: index)
            } else if character == "!" {
                let next = text.index(after: index)
                guard next < text.endIndex, text[next] == "=" else {
                    throw .invalidArgument("Invalid filter: '!' must be followed by '='.")
                }
                tokens.append(.op(.notEquals))
                index = text.index(after: next)
            } else if character == "\"" {
                var value = ""
                index = text.index(after: index)
                var closed = false
                while index < text.endIndex {
                    let current = text[index]
                    index = text.index(after: index)
                    if current == "\\", index < text.endIndex {
                        value.append(text[index])
                        index = text.index(after: index)
                    } else if current == "\"" {
                        closed = true
                        break
                    } else {
                        value.append(current)
                    }
                }
                guard closed else { throw .invalidArgument("Invalid filter: unterminated quoted value.") }
                tokens.append(.quoted(value))
            } else {
                let start = index
                while index < text.endIndex, !text[index].isWhitespace, !"()=:!\"".contains(text[index]) {
                    index = text.index(after: index)
                }
                tokens.append(.word(String(text[start..<index])))
            }
        }
        return tokens
    }
}

struct FilterParser {
    var tokens: [FilterToken]
    var position = 0

    mutating func parse() throws(GoogleAPIError) -> EntitlementFilter {
        guard !tokens.isEmpty else { return .all }
        let filter = try parseAnd()
        guard position == tokens.count else {
            throw .invalidArgument("Invalid filter: unexpected \(describe(tokens[position])).")
        }
        return filter
    }

    /// AIP-160: a filter is factors joined by `AND` or by juxtaposition, and a factor is terms
    /// joined by `OR`, so `OR` binds tighter: `a OR b AND c` is `(a OR b) AND c`.
    private mutating func parseAnd() throws(GoogleAPIError) -> EntitlementFilter {
        var left = try parseOr()
        while let next = peek, next != .close {
            if next == .word("AND") { position += 1 }
            left = .and(left, try parseOr())
        }
        return left
    }

    private mutating func parseOr() throws(GoogleAPIError) -> EntitlementFilter {
        var left = try parseUnary()
        while peek == .word("OR") {
            position += 1
            left = .or(left, try parseUnary())
        }
        return left
    }

    private mutating func parseUnary() throws(GoogleAPIError) -> EntitlementFilter {
        switch take() {
        case .word("NOT")?:
            return .not(try parseUnary())
        case .open?:
            let inner = try parseAnd()
            guard take() == .close else { throw .invalidArgument("Invalid filter: missing ')'.") }
            return inner
        case .word(let attribute)?:
            guard case .op(let op)? = take() else {
                throw .invalidArgument("Invalid filter: expected =, != or : after \(attribute).")
            }
            let value: String
            switch take() {
            case .word(let word)?: value = word
            case .quoted(let quoted)?: value = quoted
            default: throw .invalidArgument("Invalid filter: expected a value after \(attribute)\(op.rawValue).")
            }
            return try comparison(attribute, op, value)
        case let token?:
            throw .invalidArgument("Invalid filter: unexpected \(describe(token)).")
        case nil:
            throw .invalidArgument("Invalid filter: it ends too early.")
        }
    }

    private func comparison(
        _ attribute: String,
        _ op: EntitlementFilter.Operator,
        _ value: String
    ) throws(GoogleAPIError) -> EntitlementFilter {
        if EntitlementFilter.repeatedAttributes.contains(attribute) {
            // contract §3.3: equality on repeated fields is not supported; use ':'.
            guard op == .has else {
                throw .invalidArgument("Invalid filter: \(attribute) is repeated; use \(attribute):value.")
            }
        } else if !EntitlementFilter.scalarAttributes.contains(attribute) {
            throw .invalidArgument("Invalid filter: unsupported attribute \(attribute).")
        }
        return .comparison(
            attribute: attribute,
            op: op == .has && !EntitlementFilter.repeatedAttributes.contains(attribute) ? .equals : op,
            value: value
        )
    }

    private var peek: FilterToken? { position < tokens.count ? tokens[position] : nil }

    private mutating func take() -> FilterToken? {
        defer { position += 1 }
        return peek
    }

    private func describe(_ token: FilterToken) -> String {
        switch token {
        case .word(let word): "'\(word)'"
        case .quoted(let value): "\"\(value)\""
        case .op(let op): "'\(op.rawValue)'"
        case .open: "'('"
        case .close: "')'"
        }
    }
}
