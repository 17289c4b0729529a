/// One Marketplace notification: the JSON inside a Pub/Sub message's `data` (contract §1.2).
///
/// The subject is chosen by which key is present (`account` or `entitlement`), not by `eventType`,
/// because Google's documented account message has no `eventType` (contract §1.2).
public struct MarketplaceEvent: Hashable, Sendable {
    /// Opaque; the deduplication key (contract §1.4 step 2).
    public var eventID: String
    /// Nil only for account messages that omit it.
    public var eventType: EventType?
    public var providerID: ProviderID?
    public var subject: Subject

    public enum Subject: Hashable, Sendable {
        case account(AccountNotice)
        case entitlement(EntitlementNotice)
    }

    public init(eventID: String, eventType: EventType?, providerID: ProviderID?, subject: Subject) {
        self.eventID = eventID
        self.eventType = eventType
        self.providerID = providerID
        self.subject = subject
    }

    /// The entitlement an entitlement message is about.
    public var entitlementID: EntitlementID? {
        if case .entitlement(let notice) = subject { notice.id } else { nil }
    }

    /// The account an account message is about.
    public var accountID: AccountID? {
        if case .account(let notice) = subject { notice.id } else { nil }
    }
}

/// The `account` part of an account message.
public struct AccountNotice: Hashable, Sendable {
    public var id: AccountID
    public var updateTime: Timestamp?

    public init(id: AccountID, updateTime: Timestamp? = nil) {
        self.id = id
        self.updateTime = updateTime
    }
}

/// The `entitlement` part of an entitlement message. The offer fields are hints only: the
/// authoritative values come from re-reading the entitlement (contract §1.2).
public struct EntitlementNotice: Hashable, Sendable {
    public var id: EntitlementID
    public var updateTime: Timestamp?
    /// Plan-change events only.
    public var newPlan: String?
    public var newOffer: String?
    /// ISO 8601; Google's pages also call it `newPendingOfferDuration`, and both are read.
    public var newOfferDuration: String?
    public var newOfferStartTime: Timestamp?
    public var newOfferEndTime: Timestamp?

    public init(
        id: EntitlementID,
        updateTime: Timestamp? = nil,
        newPlan: String? = nil,
        newOffer: String? = nil,
        newOfferDuration: String? = nil,
        newOfferStartTime: Timestamp? = nil,
        newOfferEndTime: Timestamp? = nil
    ) {
        self.id = id
        self.updateTime = updateTime
        self.newPlan = newPlan
        self.newOffer = newOffer
        self.newOfferDuration = newOfferDuration
        self.newOfferStartTime = newOfferStartTime
        self.newOfferEndTime = newOfferEndTime
    }
}
