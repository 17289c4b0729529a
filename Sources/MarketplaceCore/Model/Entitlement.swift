/// One order of one product plan (`providers/{p}/entitlements/{e}`): the unit Entitle approves,
/// provisions and bills. Every field of the discovery document's `Entitlement` is here, all optional:
/// Google omits what does not apply (contract §3.2).
public struct Entitlement: Codable, Hashable, Sendable {
    public var name: String?
    public var provider: String?
    /// `providers/{p}/accounts/{a}`.
    public var account: String?
    /// Deprecated by Google: may hold a product, quote or offer id. Prefer `productExternalName`.
    public var product: String?
    public var productExternalName: String?
    public var quoteExternalName: String?
    public var plan: String?
    public var newPendingPlan: String?
    /// `projects/{project}/services/{service}/privateOffers/{id}` or `…/standardOffers/{id}`.
    public var offer: String?
    public var newPendingOffer: String?
    /// ISO 8601; empty when the offer has an end time instead. See `offerTerm`.
    public var offerDuration: String?
    public var newPendingOfferDuration: String?
    public var offerEndTime: Timestamp?
    public var newOfferStartTime: Timestamp?
    public var newOfferEndTime: Timestamp?
    public var subscriptionEndTime: Timestamp?
    public var state: EntitlementState?
    /// The Service Control `consumerId` for usage reports, verbatim (contract §5.2).
    public var usageReportingId: String?
    public var consumers: [Consumer]?
    /// Text shown to the buyer while they wait on the provider; wiped on the next state change.
    public var messageToUser: String?
    public var inputProperties: [String: JSONValue]?
    /// Without the `orders/` prefix; matches the sign-up token's `orders`.
    public var orderId: String?
    public var entitlementBenefitIds: [String]?
    public var cancellationReason: String?
    public var createTime: Timestamp?
    public var updateTime: Timestamp?

    public init(
        name: String? = nil,
        provider: String? = nil,
        account: String? = nil,
        product: String? = nil,
        productExternalName: String? = nil,
        quoteExternalName: String? = nil,
        plan: String? = nil,
        newPendingPlan: String? = nil,
        offer: String? = nil,
        newPendingOffer: String? = nil,
        offerDuration: String? = nil,
        newPendingOfferDuration: String? = nil,
        offerEndTime: Timestamp? = nil,
        newOfferStartTime: Timestamp? = nil,
        newOfferEndTime: Timestamp? = nil,
        subscriptionEndTime: Timestamp? = nil,
        state: EntitlementState? = nil,
        usageReportingId: String? = nil,
        consumers: [Consumer]? = nil,
        messageToUser: String? = nil,
        inputProperties: [String: JSONValue]? = nil,
        orderId: String? = nil,
        entitlementBenefitIds: [String]? = nil,
        cancellationReason: String? = nil,
        createTime: Timestamp? = nil,
        updateTime: Timestamp? = nil
    ) {
        self.name = name
        self.provider = provider
        self.account = account
        self.product = product
        self.productExternalName = productExternalName
        self.quoteExternalName = quoteExternalName
        self.plan = plan
        self.newPendingPlan = newPendingPlan
        self.offer = offer
        self.newPendingOffer = newPendingOffer
        self.offerDuration = offerDuration
        self.newPendingOfferDuration = newPendingOfferDuration
        self.offerEndTime = offerEndTime
        self.newOfferStartTime = newOfferStartTime
        self.newOfferEndTime = newOfferEndTime
        self.subscriptionEndTime = subscriptionEndTime
        self.state = state
        self.usageReportingId = usageReportingId
        self.consumers = consumers
        self.messageToUser = messageToUser
        self.inputProperties = inputProperties
        self.orderId = orderId
        self.entitlementBenefitIds = entitlementBenefitIds
        self.cancellationReason = cancellationReason
        self.createTime = createTime
        self.updateTime = updateTime
    }

    /// The entitlement id: the last segment of `name`.
    public var id: EntitlementID? {
        name.flatMap { try? EntitlementID(lastSegmentOf: $0) }
    }

    /// The owning account's id: the last segment of `account` (contract §3).
    public var accountID: AccountID? {
        account.flatMap { try? AccountID(lastSegmentOf: $0) }
    }

    /// `offerDuration` parsed; nil when absent, empty (an end-time offer) or not a duration.
    public var offerTerm: ISO8601Duration? {
        offerDuration.flatMap { $0.isEmpty ? nil : try? ISO8601Duration(parsing: $0) }
    }

    /// `newPendingOfferDuration` parsed, as `offerTerm`.
    public var newPendingOfferTerm: ISO8601Duration? {
        newPendingOfferDuration.flatMap { $0.isEmpty ? nil : try? ISO8601Duration(parsing: $0) }
    }
}

/// A Google Cloud project consuming the entitlement: `{"project": "projects/…"}`.
public struct Consumer: Codable, Hashable, Sendable {
    public var project: String?

    public init(project: String? = nil) {
        self.project = project
    }
}

extension KeyedDecodingContainer {
    // Google writes "" for an end time that does not apply (contract §1.2: "" when the offer has
    // a duration). Synthesized `Codable` calls this overload for `Timestamp?` properties.
    func decodeIfPresent(_ type: Timestamp.Type, forKey key: Key) throws -> Timestamp? {
        guard let text = try decodeIfPresent(String.self, forKey: key), !text.isEmpty else { return nil }
        do {
            return try Timestamp(rfc3339: text)
        } catch {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: error.description)
        }
    }
}
