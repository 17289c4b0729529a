/// The metrics each plan of each product reports, as defined in Producer Portal (contract §5.2:
/// metric ids are per plan). From the vendor's configuration; Google's APIs do not list them.
public struct UsageCatalog: Codable, Hashable, Sendable {
    /// Product id (`Entitlement.product`) → plan id → metric ids.
    public var products: [String: [String: [String]]]

    public init(products: [String: [String: [String]]] = [:]) {
        self.products = products
    }

    /// The metrics an entitlement may report: those of its plan and of a plan it is changing to.
    /// nil when its product has no usage configured.
    public func metrics(for entitlement: Entitlement) -> Set<String>? {
        guard let plans = products[entitlement.product ?? ""] else { return nil }
        return Set([entitlement.plan, entitlement.newPendingPlan].compactMap { $0 }.flatMap { plans[$0] ?? [] })
    }
}
