import MarketplaceCore

/// One run of a purchase history against `GoogleModel`, in order or with chaos.
struct HistoryRun {
    var simulation: ProcessingSimulation
    var google: GoogleModel
    var deliveries = 0
    var crashes = 0
    private var pending: [MarketplaceEvent] = []
    private var random: SeededRandom
    private let chaos: Bool

    private init(_ history: PurchaseHistory, seed: UInt64, chaos: Bool) {
        simulation = ProcessingSimulation(policy: history.policy)
        google = GoogleModel(requireSignup: history.policy.entitlement == .afterSignup)
        random = SeededRandom(seed: seed ^ 0xC4A0_5C4A_05)
        self.chaos = chaos
    }

    /// In order: every event is handled at once, in publication order, on the latest copy.
    /// With chaos: events wait, are duplicated (30%), handled in random order on lagging reads, and
    /// 10% of handlings crash after their API calls and before commit, to be redelivered.
    static func run(_ history: PurchaseHistory, seed: UInt64, chaos: Bool) -> HistoryRun {
        var run = HistoryRun(history, seed: seed, chaos: chaos)
        var ids: [EntitlementID] = []
        for step in history.steps {
            switch step {
            case .purchase(let account, let plan, let autoOffer, let privateOffer):
                ids.append(
                    run.google.purchase(
                        account: accountID(account),
                        plan: plan,
                        autoOffer: autoOffer,
                        offer: privateOffer ? "offers/private-\(ids.count)" : nil
                    )
                )
            case .signUp(let account):
                guard run.google.signedUp[accountID(account)] == false else { break }
                run.simulation.signUp(accountID(account), google: &run.google)
            case .onEntitlement(let index, let customerStep):
                // A customer acts on what Google shows; if Google waits on the vendor, the vendor
                // catches up first, so both runs see the same state when the customer acts.
                if run.waitsOnVendor(ids[index]) { run.drain() }
                run.google.apply(customerStep, to: ids[index])
            }
            run.collect()
            if chaos { run.deliverSome() } else { run.drain() }
        }
        run.finish()
        return run
    }

    static func accountID(_ number: Int) -> AccountID {
        try! AccountID("acct-\(number)")
    }

    private func waitsOnVendor(_ id: EntitlementID) -> Bool {
        guard let entitlement = google.current(id) else { return false }
        switch entitlement.state {
        case .activationRequested?:
            let signedUp = entitlement.accountID.flatMap { google.signedUp[$0] } ?? false
            return entitlement.newOfferStartTime == nil && (simulation.policy.entitlement == .automatic || signedUp)
        case .pendingPlanChangeApproval?:
            return true
        default:
            return false
        }
    }

    /// Let the clock run out: pending plan changes take effect, scheduled offers start.
    private mutating func finish() {
        drain()
        var changed = true
        while changed {
            changed = false
            for id in google.order {
                changed = google.apply(.endCycle, to: id) || changed
                changed = google.apply(.startScheduled, to: id) || changed
            }
            collect()
            drain()
        }
    }

    private mutating func collect() {
        for event in google.takePublished() {
            pending.append(event)
            if chaos && random.chance(0.3) { pending.append(event) }
        }
    }

    private mutating func deliverSome() {
        for _ in 0..<Int.random(in: 0...pending.count, using: &random) where !pending.isEmpty {
            deliverOne()
        }
    }

    private mutating func drain() {
        while !pending.isEmpty { deliverOne() }
    }

    private mutating func deliverOne() {
        let index = chaos ? Int.random(in: 0..<pending.count, using: &random) : 0
        let event = pending.remove(at: index)
        let crash = chaos && random.chance(0.1)
        var lagging: SeededRandom? = chaos ? SeededRandom(seed: random.next()) : nil
        simulation.handle(event, google: &google, lagging: &lagging, crashBeforeCommit: crash)
        deliveries += 1
        if crash {
            crashes += 1
            pending.append(event)
        }
        collect()
    }
}

extension HistoryRun {
    /// Everything that must hold at the end, as readable failures.
    static func compare(_ ordered: HistoryRun, _ chaotic: HistoryRun) -> [String] {
        var failures: [String] = []
        for (name, run) in [("in-order", ordered), ("chaotic", chaotic)] {
            failures += run.simulation.problems.map { "\(name): \($0)" }
            failures += run.matchesGoogle().map { "\(name): \($0)" }
            failures += run.callbackFailures().map { "\(name): \($0)" }
        }
        if ordered.simulation.refusedAfterLaggingRead != 0 {
            failures.append("in-order run had \(ordered.simulation.refusedAfterLaggingRead) refused approvals")
        }
        for id in ordered.google.order where ordered.finalView(id) != chaotic.finalView(id) {
            failures.append(
                "\(id): in-order ends \(String(describing: ordered.finalView(id))), chaotic \(String(describing: chaotic.finalView(id)))"
            )
        }
        return failures
    }

    /// The local copy without its version stamp (two runs approve at different moments), or nil if gone.
    private func finalView(_ id: EntitlementID) -> Entitlement? {
        guard let local = simulation.entitlements[id], !local.isDeleted else { return nil }
        var resource = local.resource
        resource.updateTime = nil
        return resource
    }

    private func matchesGoogle() -> [String] {
        google.order.compactMap { id in
            let local = simulation.entitlements[id]
            switch google.current(id) {
            case nil where local == nil || local?.isDeleted == true: return nil
            case nil: return "\(id) is gone at Google but stored as \(local!.state?.rawValue ?? "?")"
            case let remote? where local?.isDeleted == false && local?.resource == remote: return nil
            case let remote?:
                return
                    "\(id) is \(remote.state?.rawValue ?? "?") plan \(remote.plan ?? "-") at Google, stored \(local.map { "\($0.state?.rawValue ?? "?") plan \($0.plan ?? "-") deleted \($0.isDeleted)" } ?? "nothing")"
            }
        }
    }

    private func callbackFailures() -> [String] {
        var failures: [String] = []
        for id in google.order {
            let kinds = simulation.callbacks.filter { $0.1 == id }.map(\.0)
            let count = { (kind: CallbackKind) in kinds.filter { $0 == kind }.count }
            if count(.activated) > 1 || count(.cancelled) > 1 {
                failures.append("\(id) callbacks \(kinds.map(\.rawValue))")
            }
            if google.current(id)?.state?.isInService == true && count(.activated) != 1 {
                failures.append("\(id) is in service but was announced \(count(.activated)) times")
            }
            if let activated = kinds.firstIndex(of: .activated), let cancelled = kinds.firstIndex(of: .cancelled),
                cancelled < activated
            {
                failures.append("\(id) announced cancelled before activated")
            }
            let events = google.eventCounts[id] ?? [:]
            if count(.renewed) != events[.entitlementRenewed, default: 0]
                || count(.offerEnded) != events[.entitlementOfferEnded, default: 0]
            {
                failures.append(
                    "\(id) renewals/offer ends announced \(count(.renewed))/\(count(.offerEnded)), happened \(events[.entitlementRenewed, default: 0])/\(events[.entitlementOfferEnded, default: 0])"
                )
            }
        }
        return failures
    }
}
