import MarketplaceCore

/// A deliberately simple model of Google's side (contract §2.2) for the property test: every
/// version of every entitlement is kept so that a read may lag behind, as an eventually consistent
/// API may. Not the emulator: that lives in its own module and is checked against Google's clients.
struct GoogleModel {
    struct Refused: Error, CustomStringConvertible {
        var description: String
    }

    let requireSignup: Bool
    private(set) var now: Int64 = 1_700_000_000
    private(set) var signedUp: [AccountID: Bool] = [:]
    private(set) var versions: [EntitlementID: [Entitlement]] = [:]
    private(set) var order: [EntitlementID] = []
    private(set) var deleted: Set<EntitlementID> = []
    private(set) var published: [MarketplaceEvent] = []
    private var changeAtCycleEnd: [EntitlementID: Bool] = [:]
    private var purchases = 0
    private var eventCounter = 0
    /// How many events of each type were published per entitlement, for the callback checks.
    private(set) var eventCounts: [EntitlementID: [EventType: Int]] = [:]

    init(requireSignup: Bool) {
        self.requireSignup = requireSignup
    }

    func current(_ id: EntitlementID) -> Entitlement? {
        deleted.contains(id) ? nil : versions[id]?.last
    }

    /// Takes the events published since the last call.
    mutating func takePublished() -> [MarketplaceEvent] {
        defer { published = [] }
        return published
    }

    /// The latest copy, or with `lagging`, any copy at least as new as `atLeast`.
    func read(_ id: EntitlementID, atLeast: Timestamp?, lagging: inout SeededRandom?) -> FetchResult<Entitlement> {
        guard let all = versions[id], !deleted.contains(id) else { return .notFound }
        guard var random = lagging else { return .found(all[all.count - 1]) }
        let candidates = all.filter { atLeast == nil || $0.updateTime! >= atLeast! }
        let pick = candidates.isEmpty ? all[all.count - 1] : candidates.randomElement(using: &random)!
        lagging = random
        return .found(pick)
    }

    // MARK: The customer's side

    mutating func purchase(account: AccountID, plan: String, autoOffer: Bool, offer: String?) -> EntitlementID {
        if signedUp[account] == nil {
            signedUp[account] = false
            tick()
            publish(.accountActive, .account(AccountNotice(id: account, updateTime: Timestamp(seconds: now))))
        }
        purchases += 1
        let id = try! EntitlementID("ent-\(purchases)")
        order.append(id)
        tick()
        // Content times come from the purchase number, not the version clock, so that two runs of one
        // history that approve at different moments still describe the same orders.
        let placed = Int64(1_600_000_000 + purchases * 1000)
        let entitlement = Entitlement(
            name: "providers/DEMO-p/entitlements/\(id)",
            provider: "DEMO-p",
            account: "providers/DEMO-p/accounts/\(account)",
            plan: plan,
            offer: offer,
            offerEndTime: offer == nil ? nil : Timestamp(seconds: placed + 31_536_000),
            newOfferStartTime: autoOffer ? Timestamp(seconds: placed + 100) : nil,
            state: .activationRequested,
            usageReportingId: "project:\(id)",
            createTime: Timestamp(seconds: placed),
            updateTime: Timestamp(seconds: now)
        )
        versions[id] = [entitlement]
        publish(autoOffer ? .entitlementOfferAccepted : .entitlementCreationRequested, id)
        return id
    }

    mutating func signUp(_ account: AccountID) {
        signedUp[account] = true
    }

    @discardableResult
    mutating func apply(_ step: CustomerStep, to id: EntitlementID) -> Bool {
        guard let entitlement = current(id) else { return false }
        switch (step, entitlement.state) {
        case (.startScheduled, .activationRequested?) where entitlement.newOfferStartTime != nil:
            update(id, .entitlementActive) {
                $0.state = .active
                $0.newOfferStartTime = nil
            }
        case (.changePlan(let plan, let atCycleEnd), .active?) where plan != entitlement.plan:
            changeAtCycleEnd[id] = atCycleEnd
            update(id, .entitlementPlanChangeRequested) {
                $0.state = .pendingPlanChangeApproval
                $0.newPendingPlan = plan
            }
        case (.replaceOffer(let offer), .active?):
            changeAtCycleEnd[id] = false
            update(id, .entitlementPlanChangeRequested) {
                $0.state = .pendingPlanChangeApproval
                $0.newPendingPlan = $0.plan
                $0.newPendingOffer = offer
            }
        case (.withdrawPlanChange, .pendingPlanChangeApproval?), (.withdrawPlanChange, .pendingPlanChange?):
            update(id, .entitlementPlanChangeCancelled) {
                $0.state = .active
                $0.newPendingPlan = nil
                $0.newPendingOffer = nil
            }
        case (.cancel(atTermEnd: true), .active?):
            update(id, .entitlementPendingCancellation) { $0.state = .pendingCancellation }
        case (.cancel(atTermEnd: false), .active?):
            update(id, .entitlementCancelling, .entitlementCancelled) {
                $0.state = .cancelled
                $0.cancellationReason = "user-cancelled"
            }
        case (.revertCancellation, .pendingCancellation?):
            update(id, .entitlementCancellationReverted) { $0.state = .active }
        case (.endTerm, .pendingCancellation?):
            update(id, .entitlementCancelled) {
                $0.state = .cancelled
                $0.cancellationReason = "expired"
            }
        case (.renew, .active?):
            update(id, .entitlementRenewed) { $0.offerEndTime = $0.offerEndTime?.adding(seconds: 31_536_000) }
        case (.endOffer, .active?) where entitlement.offer != nil:
            update(id, .entitlementOfferEnded) {
                $0.offer = nil
                $0.offerEndTime = nil
            }
        case (.endCycle, .pendingPlanChange?):
            update(id, .entitlementPlanChanged) { Self.completePlanChange(&$0) }
        case (.purge, .cancelled?):
            deleted.insert(id)
            tick()
            publish(.entitlementDeleted, id)
        default:
            return false
        }
        return true
    }

    // MARK: The provider's calls (contract §3.2 state guards)

    mutating func approve(_ id: EntitlementID) throws(Refused) {
        guard let entitlement = current(id), entitlement.state == .activationRequested,
            entitlement.newOfferStartTime == nil
        else {
            throw Refused(description: "approve \(id) in \(current(id)?.state?.rawValue ?? "404")")
        }
        if requireSignup, let account = entitlement.accountID, signedUp[account] != true {
            throw Refused(description: "approve \(id) before the account signed up")
        }
        update(id, .entitlementActive) { $0.state = .active }
    }

    mutating func approvePlanChange(_ id: EntitlementID, pendingPlan: String) throws(Refused) {
        guard let entitlement = current(id), entitlement.state == .pendingPlanChangeApproval,
            entitlement.newPendingPlan == pendingPlan
        else {
            throw Refused(
                description: "approvePlanChange \(id) to \(pendingPlan) in \(current(id)?.state?.rawValue ?? "404")"
            )
        }
        if changeAtCycleEnd[id] == true {
            update(id, nil) { $0.state = .pendingPlanChange }
        } else {
            update(id, .entitlementPlanChanged) { Self.completePlanChange(&$0) }
        }
    }

    // MARK: Helpers

    private static func completePlanChange(_ entitlement: inout Entitlement) {
        entitlement.state = .active
        entitlement.plan = entitlement.newPendingPlan ?? entitlement.plan
        entitlement.offer = entitlement.newPendingOffer ?? entitlement.offer
        entitlement.newPendingPlan = nil
        entitlement.newPendingOffer = nil
    }

    private mutating func tick() {
        now += 1
    }

    private mutating func update(_ id: EntitlementID, _ events: EventType?..., change: (inout Entitlement) -> Void) {
        tick()
        var next = versions[id]!.last!
        change(&next)
        next.updateTime = Timestamp(seconds: now)
        versions[id]!.append(next)
        for event in events.compactMap({ $0 }) { publish(event, id) }
    }

    private mutating func publish(_ type: EventType, _ id: EntitlementID) {
        eventCounts[id, default: [:]][type, default: 0] += 1
        let latest = versions[id]?.last
        publish(
            type,
            .entitlement(
                EntitlementNotice(id: id, updateTime: Timestamp(seconds: now), newPlan: latest?.newPendingPlan)
            )
        )
    }

    private mutating func publish(_ type: EventType, _ subject: MarketplaceEvent.Subject) {
        eventCounter += 1
        published.append(
            MarketplaceEvent(eventID: "evt-\(eventCounter)", eventType: type, providerID: nil, subject: subject)
        )
    }
}

/// What a customer (or Google's clock) does to one entitlement.
enum CustomerStep: Hashable {
    case startScheduled
    case changePlan(String, atCycleEnd: Bool)
    case replaceOffer(String)
    case withdrawPlanChange
    case cancel(atTermEnd: Bool)
    case revertCancellation
    case endTerm
    case renew
    case endOffer
    case endCycle
    case purge
}
