/// One approval on an account; Marketplace accounts carry one named `signup` (contract §2.1).
public struct Approval: Codable, Hashable, Sendable {
    /// The approval Google creates on every new account, approved after the buyer signs up.
    public static let signupName = "signup"

    public var name: String?
    public var state: ApprovalState?
    public var reason: String?
    public var updateTime: Timestamp?

    public init(name: String? = nil, state: ApprovalState? = nil, reason: String? = nil, updateTime: Timestamp? = nil) {
        self.name = name
        self.state = state
        self.reason = reason
        self.updateTime = updateTime
    }
}

/// `Approval.state`: PENDING → APPROVED or REJECTED; REJECTED → APPROVED is allowed.
public enum ApprovalState: OpenEnum {
    case unspecified, pending, approved, rejected
    case unknown(String)

    public static let knownCases: [ApprovalState] = [.unspecified, .pending, .approved, .rejected]

    public var rawValue: String {
        switch self {
        case .unspecified: "STATE_UNSPECIFIED"
        case .pending: "PENDING"
        case .approved: "APPROVED"
        case .rejected: "REJECTED"
        case .unknown(let value): value
        }
    }
}
