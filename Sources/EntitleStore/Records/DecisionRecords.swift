public import MarketplaceCore

/// The stored records one notification's decision starts from (`Store.decisionRecords`).
public struct DecisionRecords: Hashable, Sendable {
    public var isProcessed = false
    public var entitlement: LocalEntitlement?
    /// The entitlement's account, or the account asked for.
    public var account: LocalAccount?

    public init(isProcessed: Bool = false, entitlement: LocalEntitlement? = nil, account: LocalAccount? = nil) {
        self.isProcessed = isProcessed
        self.entitlement = entitlement
        self.account = account
    }
}
