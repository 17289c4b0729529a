public import MarketplaceCore

/// The approval policy of each product, from configuration: a default and per-product overrides,
/// keyed by the product's external name (`productExternalName`, e.g. `svc.gcpmarketplace.example.com`).
public struct ApprovalPolicies: Hashable, Sendable, Codable {
    public var `default`: ApprovalPolicy
    public var products: [String: ApprovalPolicy]

    public init(default: ApprovalPolicy = ApprovalPolicy(), products: [String: ApprovalPolicy] = [:]) {
        self.default = `default`
        self.products = products
    }

    public func policy(for entitlement: Entitlement?) -> ApprovalPolicy {
        guard let entitlement else { return self.default }
        let keys = [entitlement.productExternalName, entitlement.product].compactMap { $0 }
        return keys.lazy.compactMap { products[$0] }.first ?? self.default
    }
}
