public import MarketplaceCore

/// One account as the emulator keeps it.
struct AccountRecord: Codable, Sendable {
    var resource: Account
    /// The account's entitlements in order of purchase (its `orders`).
    var entitlementIDs: [String] = []
}

/// One entitlement as the emulator keeps it: Google's resource plus the bookkeeping Google does not
/// show (billing cycle, the product's rules, offers ever held).
struct EntitlementRecord: Codable, Sendable {
    var resource: Entitlement
    var productID: String
    /// Start of the current monthly billing cycle.
    var cycleStart: Timestamp
    /// Whether the approved plan change waits for the cycle end.
    var changeAtCycleEnd = false
    /// Every offer the entitlement held or holds (`change_history.new_offer` filter).
    var offerHistory: [String] = []
    /// When a CANCELLED entitlement is purged (ENTITLEMENT_DELETED, GET 404).
    var purgeAt: Timestamp?
    /// When it was cancelled: usage for windows ending by then is still billable (the final report).
    var cancelledAt: Timestamp?

    var id: String { resource.id?.rawValue ?? "" }
    var state: EntitlementState? { resource.state }
    var cycleEnd: Timestamp { ISO8601Duration(months: 1).added(to: cycleStart) }
}

/// A private offer as a buyer accepts it (contract §2.2): a term given as a duration or an end
/// time, and for auto-approved offers an optional scheduled start.
public struct OfferTerms: Codable, Hashable, Sendable {
    /// `projects/{project}/services/{service}/privateOffers/{id}`; made up when absent.
    public var name: String?
    /// ISO 8601, e.g. `P1Y`. Exclusive with `endTime`.
    public var duration: String?
    public var endTime: Timestamp?
    public var startTime: Timestamp?

    public init(name: String? = nil, duration: String? = nil, endTime: Timestamp? = nil, startTime: Timestamp? = nil) {
        self.name = name
        self.duration = duration
        self.endTime = endTime
        self.startTime = startTime
    }
}
