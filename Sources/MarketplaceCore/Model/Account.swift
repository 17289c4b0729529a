/// A customer's account with the provider (`providers/{p}/accounts/{a}`), created by Google on the
/// customer's first purchase of any of the provider's products (contract §2.1, §3.1).
public struct Account: Codable, Hashable, Sendable {
    /// `providers/{p}/accounts/{a}`; the schema text says `accounts/{a}`, so read it with `AccountName(parsing:)`.
    public var name: String?
    public var provider: String?
    public var state: AccountState?
    public var approvals: [Approval]?
    public var createTime: Timestamp?
    public var updateTime: Timestamp?
    /// Deprecated by Google; kept so nothing it sends is lost.
    public var inputProperties: [String: JSONValue]?
    /// `billingAccounts/{id}`; FULL view only, reseller sub-accounts only.
    public var resellerParentBillingAccount: String?

    public init(
        name: String? = nil,
        provider: String? = nil,
        state: AccountState? = nil,
        approvals: [Approval]? = nil,
        createTime: Timestamp? = nil,
        updateTime: Timestamp? = nil,
        inputProperties: [String: JSONValue]? = nil,
        resellerParentBillingAccount: String? = nil
    ) {
        self.name = name
        self.provider = provider
        self.state = state
        self.approvals = approvals
        self.createTime = createTime
        self.updateTime = updateTime
        self.inputProperties = inputProperties
        self.resellerParentBillingAccount = resellerParentBillingAccount
    }

    /// The account id: the last segment of `name` (the codelab's `_get_account_id`).
    public var id: AccountID? {
        name.flatMap { try? AccountID(lastSegmentOf: $0) }
    }

    /// The approval named `signup`, if Google sent one.
    public var signupApproval: Approval? {
        approvals?.first { $0.name == Approval.signupName }
    }
}

/// `Account.state`. Accounts now go straight to ACTIVE; ACTIVATION_REQUESTED is deprecated.
public enum AccountState: OpenEnum {
    case unspecified, activationRequested, active
    case unknown(String)

    public static let knownCases: [AccountState] = [.unspecified, .activationRequested, .active]

    public var rawValue: String {
        switch self {
        case .unspecified: "ACCOUNT_STATE_UNSPECIFIED"
        case .activationRequested: "ACCOUNT_ACTIVATION_REQUESTED"
        case .active: "ACCOUNT_ACTIVE"
        case .unknown(let value): value
        }
    }
}
