import Foundation
import MarketplaceCore

/// Everything Google's side knows, behind one actor so that each API call is one atomic step.
/// Entitle's modules are never imported here: the state machine is written against the contract
/// (§2) alone, so that a misreading cannot hide in code the client and the emulator share.
actor EmulatorState {
    let provider: ProviderID
    let catalog: Catalog
    /// The topic Marketplace notifications are published to.
    let topic: String
    /// contract §11: whether `entitlements:approve` waits for the account's `signup` approval.
    let requireSignupBeforeApproval: Bool
    let purgeCancelledAfter: ISO8601Duration
    var clock: EmulatorClock
    var accounts: [String: AccountRecord] = [:]
    var accountOrder: [String] = []
    var entitlements: [String: EntitlementRecord] = [:]
    var entitlementOrder: [String] = []
    var pubsub = PubSubState()
    var usage = UsageLedger()
    var faults = FaultPlan()
    var faultRandom = SeededRandom(seed: 0x5EED)
    let identity: EmulatorIdentity
    /// Gemini Enterprise's keys for software statements, the one it signs with first.
    var agentspaceKeys: [SigningKey]
    /// Access tokens issued, with their expiry on the emulator's clock.
    var accessTokens: [String: Timestamp] = [:]
    let accessTokenLifetime: Int
    /// The `aud` of sign-up tokens: the vendor's product domain (contract §4.2).
    let signupAudience: String
    /// The order each account and entitlement was created in; page tokens refer to it.
    var creationNumbers: [String: Int] = [:]
    /// The earliest time a time-driven change is due; nil when none is.
    var nextDue: Timestamp?
    /// usageReportingId → entitlement id, for Service Control.
    var consumers: [String: String] = [:]
    private(set) var lastStamp = Timestamp(seconds: 0)
    private(set) var idCounter = 0
    /// The last state written to `--state`, to skip writes when nothing changed.
    var lastSaved: Data?

    /// - Parameter snapshot: state saved by `--state`, restored here, before anything can run.
    init(options: EmulatorOptions, identity: EmulatorIdentity, restoring snapshot: EmulatorSnapshot? = nil) {
        self.identity = identity
        agentspaceKeys = [identity.agentspace]
        accessTokenLifetime = options.accessTokenLifetime
        signupAudience = options.signupAudience
        provider = options.provider
        catalog = options.catalog
        topic = options.topic
        requireSignupBeforeApproval = options.requireSignupBeforeApproval
        purgeCancelledAfter = options.purgeCancelledAfter
        clock = EmulatorClock(start: options.startTime)
        pubsub.createTopic(options.topic)
        faults = options.faults
        faultRandom = SeededRandom(seed: options.faults.seed ?? 0x5EED)
        // With `--pubsub-emulator-host`, the subscription the forwarder drains: made with the
        // topic, so that no notification published before the forwarder runs is missed.
        defer {
            if options.externalPubSubHost != nil {
                let forward = SubscriptionJSON(topic: options.topic, ackDeadlineSeconds: 60)
                _ = try? pubsub.createSubscription(ExternalPubSubForwarder.forwardSubscription, forward)
            }
        }
        guard let snapshot else { return }
        clock = EmulatorClock(offset: snapshot.clockOffsetMicros)
        accounts = snapshot.accounts
        accountOrder = snapshot.accountOrder
        entitlements = snapshot.entitlements
        entitlementOrder = snapshot.entitlementOrder
        pubsub = snapshot.pubsub
        pubsub.createTopic(options.topic)
        usage = snapshot.usage
        faults = snapshot.faults
        faultRandom = snapshot.faultRandom
        accessTokens = snapshot.accessTokens
        creationNumbers = snapshot.creationNumbers
        consumers = snapshot.consumers
        lastStamp = snapshot.lastStamp
        idCounter = snapshot.idCounter
        nextDue = snapshot.entitlements.values.compactMap(Self.dueTime).min()
    }

    var now: Timestamp { clock.now }

    /// A time for a change: now, but always after the previous one, so `updateTime` orders changes.
    func stamp() -> Timestamp {
        var next = clock.now
        if next <= lastStamp {
            next =
                lastStamp.nanos >= 999_999_000
                ? Timestamp(seconds: lastStamp.seconds + 1)
                : Timestamp(seconds: lastStamp.seconds, nanos: lastStamp.nanos + 1000)
        }
        lastStamp = next
        return next
    }

    func newID(prefix: String) -> String {
        idCounter += 1
        let random = UUID().uuidString.lowercased()
        let id = prefix.isEmpty ? random : "\(prefix)-\(idCounter)-\(random.prefix(8))"
        creationNumbers[id] = idCounter
        return id
    }

    /// Gives a caller-chosen id its place in listing order.
    func registerCreation(_ id: String) {
        guard creationNumbers[id] == nil else { return }
        idCounter += 1
        creationNumbers[id] = idCounter
    }

    func accountName(_ id: String) -> String { "providers/\(provider)/accounts/\(id)" }
    func entitlementName(_ id: String) -> String { "providers/\(provider)/entitlements/\(id)" }

    // MARK: Lookups that answer Google's 404

    func requireProvider(_ provider: String) throws(GoogleAPIError) {
        guard provider == self.provider.rawValue else {
            throw .permissionDenied("The caller does not have permission for provider \(provider)")
        }
    }

    func account(_ id: String) throws(GoogleAPIError) -> AccountRecord {
        guard let record = accounts[id] else { throw .notFound("Account \(accountName(id)) not found.") }
        return record
    }

    func entitlement(_ id: String) throws(GoogleAPIError) -> EntitlementRecord {
        guard let record = entitlements[id] else {
            throw .notFound("Entitlement \(entitlementName(id)) not found.")
        }
        return record
    }

    // MARK: Changes

    /// Applies `change` to an entitlement, stamps it, wipes `messageToUser` on a state change
    /// (contract §3.2) and publishes `events` in order (contract §2.2, "Event" column).
    func updateEntitlement(
        _ id: String,
        publishing events: [EventType] = [],
        _ change: (inout EntitlementRecord) -> Void
    ) {
        guard var record = entitlements[id] else { return }
        let stateBefore = record.state
        change(&record)
        if record.state != stateBefore {
            record.resource.messageToUser = nil
        }
        if let offer = record.resource.offer, !record.offerHistory.contains(offer) {
            record.offerHistory.append(offer)
        }
        if record.state == .cancelled, stateBefore != .cancelled {
            record.purgeAt = purgeCancelledAfter.added(to: now)
            record.cancelledAt = now
        }
        record.resource.updateTime = stamp()
        entitlements[id] = record
        if let due = Self.dueTime(record), nextDue.map({ due < $0 }) ?? true {
            nextDue = due
        }
        for event in events {
            publishEntitlementEvent(event, record)
        }
    }

    func updateAccount(_ id: String, _ change: (inout AccountRecord) -> Void) {
        guard var record = accounts[id] else { return }
        change(&record)
        record.resource.updateTime = stamp()
        accounts[id] = record
    }

    // MARK: Notifications (contract §1.2)

    func publishEntitlementEvent(_ type: EventType, _ record: EntitlementRecord) {
        let entitlement = record.resource
        let notice = EventJSON.EntitlementPart(
            id: record.id,
            updateTime: entitlement.updateTime?.rfc3339,
            newPlan: type == .entitlementPlanChangeRequested || type == .entitlementPlanChanged
                ? (entitlement.newPendingPlan ?? entitlement.plan) : nil,
            newOffer: entitlement.newPendingOffer,
            newOfferDuration: type == .entitlementOfferAccepted || type == .entitlementPlanChangeRequested
                ? (entitlement.newPendingOfferDuration ?? entitlement.offerDuration ?? "") : nil,
            newOfferStartTime: type == .entitlementOfferAccepted ? entitlement.newOfferStartTime?.rfc3339 : nil,
            newOfferEndTime: type == .entitlementOfferAccepted
                ? (entitlement.newOfferEndTime ?? entitlement.offerEndTime)?.rfc3339 ?? "" : nil
        )
        publish(
            EventJSON(
                eventId: UUID().uuidString.lowercased(),
                eventType: type.rawValue,
                providerId: provider.rawValue,
                entitlement: notice
            )
        )
    }

    func publishAccountEvent(_ type: EventType, accountID: String, updateTime: Timestamp?) {
        publish(
            EventJSON(
                eventId: UUID().uuidString.lowercased(),
                eventType: type.rawValue,
                providerId: provider.rawValue,
                account: EventJSON.AccountPart(id: accountID, updateTime: updateTime?.rfc3339)
            )
        )
    }

    private func publish(_ event: EventJSON) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(event)) ?? Data()
        let duplicate = faultRandom.chance(faults.duplicateRate)
        let hold = faultRandom.chance(faults.holdRate)
        _ = pubsub.publish(topic: topic, data: data, attributes: [:], now: now, duplicate: duplicate, hold: hold)
    }
}

/// The notification payload exactly as contract §1.2 shows it.
struct EventJSON: Encodable {
    var eventId: String
    var eventType: String
    var providerId: String
    var account: AccountPart? = nil
    var entitlement: EntitlementPart? = nil

    struct AccountPart: Encodable {
        var id: String
        var updateTime: String?
    }

    struct EntitlementPart: Encodable {
        var id: String
        var updateTime: String?
        var newPlan: String?
        var newOffer: String?
        var newOfferDuration: String?
        var newOfferStartTime: String?
        var newOfferEndTime: String?
    }
}
