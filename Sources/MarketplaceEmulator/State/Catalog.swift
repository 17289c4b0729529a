public import Foundation

/// What the emulated provider sells: products, their plans and metrics, and how Marketplace treats
/// them (contract §2.2, §5). Loaded from JSON; `Catalog.default` ships so the emulator runs with
/// no arguments.
public struct Catalog: Codable, Hashable, Sendable {
    public var products: [Product]

    public init(products: [Product]) {
        self.products = products
    }

    public struct Product: Codable, Hashable, Sendable {
        /// The product id (`Entitlement.product`).
        public var id: String
        /// The service name (`productExternalName`, Service Control's `serviceName`).
        public var externalName: String
        public var plans: [Plan]
        /// Private offers are approved by Google itself: ENTITLEMENT_OFFER_ACCEPTED replaces
        /// CREATION_REQUESTED and PLAN_CHANGE_REQUESTED (contract §1.3).
        public var autoApprovedOffers: Bool?
        /// `endOfTerm` (default): cancelling leads to PENDING_CANCELLATION until the cycle ends.
        public var cancellation: Cancellation?
        /// Whether entitlements get a `usageReportingId` (usage-priced products only).
        public var usageBased: Bool?
        /// What happens when a private offer's term ends without renewal: `continue` at list price
        /// (default) or `cancel`.
        public var offerEnd: OfferEnd?
        /// A private offer renews at term end (ENTITLEMENT_RENEWED) instead of ending.
        public var renewOffers: Bool?

        public init(
            id: String,
            externalName: String,
            plans: [Plan],
            autoApprovedOffers: Bool? = nil,
            cancellation: Cancellation? = nil,
            usageBased: Bool? = nil,
            offerEnd: OfferEnd? = nil,
            renewOffers: Bool? = nil
        ) {
            self.id = id
            self.externalName = externalName
            self.plans = plans
            self.autoApprovedOffers = autoApprovedOffers
            self.cancellation = cancellation
            self.usageBased = usageBased
            self.offerEnd = offerEnd
            self.renewOffers = renewOffers
        }

        public func plan(_ id: String) -> Plan? { plans.first { $0.id == id } }
    }

    public struct Plan: Codable, Hashable, Sendable {
        public var id: String
        /// Metric ids reportable on this plan; Service Control names are `{externalName}/{metric}`.
        public var metrics: [String]
        /// A change away from this plan waits for the end of the billing cycle (PENDING_PLAN_CHANGE).
        public var changeAtCycleEnd: Bool?

        public init(id: String, metrics: [String] = [], changeAtCycleEnd: Bool? = nil) {
            self.id = id
            self.metrics = metrics
            self.changeAtCycleEnd = changeAtCycleEnd
        }
    }

    public enum Cancellation: String, Codable, Hashable, Sendable {
        case immediate
        case endOfTerm
    }

    public enum OfferEnd: String, Codable, Hashable, Sendable {
        case `continue`
        case cancel
    }

    public func product(_ id: String) -> Product? {
        products.first { $0.id == id || $0.externalName == id }
    }

    /// Reads a catalog file.
    /// - Throws: an error naming the file and what is wrong with it.
    public static func load(from url: URL) throws -> Catalog {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw CatalogError(message: "cannot read catalog \(url.path): \(error.localizedDescription)")
        }
        let catalog: Catalog
        do {
            catalog = try JSONDecoder().decode(Catalog.self, from: data)
        } catch {
            throw CatalogError(message: "catalog \(url.path) is not valid: \(error)")
        }
        try catalog.validate()
        return catalog
    }

    func validate() throws(CatalogError) {
        guard !products.isEmpty else { throw CatalogError(message: "catalog has no products") }
        var seen: Set<String> = []
        for product in products {
            guard seen.insert(product.id).inserted else {
                throw CatalogError(message: "product \(product.id) appears twice")
            }
            guard !product.plans.isEmpty else { throw CatalogError(message: "product \(product.id) has no plans") }
        }
    }

    /// Two products: a usage-priced one with three plans (downgrades wait for the cycle end), and a
    /// flat one whose private offers Google approves itself.
    public static let `default` = Catalog(products: [
        Product(
            id: "example-messaging-service",
            externalName: "example-messaging-service.gcpmarketplace.example.com",
            plans: [
                Plan(id: "basic", metrics: ["requests", "storage_gib"]),
                Plan(id: "standard", metrics: ["requests", "storage_gib"]),
                Plan(id: "premium", metrics: ["requests", "storage_gib", "priority_requests"], changeAtCycleEnd: true),
            ],
            usageBased: true
        ),
        Product(
            id: "example-analytics",
            externalName: "example-analytics.gcpmarketplace.example.com",
            plans: [Plan(id: "team"), Plan(id: "enterprise")],
            autoApprovedOffers: true,
            cancellation: .endOfTerm,
            renewOffers: true
        ),
    ])
}

/// A catalog the emulator cannot use.
public struct CatalogError: Error, Hashable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
