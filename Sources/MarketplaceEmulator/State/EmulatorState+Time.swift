import MarketplaceCore

/// What happens when time passes (contract §2.2): scheduled starts, plan changes at the cycle end,
/// term ends, renewals and offer ends, and the purge of cancelled entitlements.
extension EmulatorState {
    /// The clock stops at the end of year 9999, the last time RFC 3339 can write.
    static let endOfTime = Timestamp(seconds: 253_402_300_799)

    /// Moves the clock forward and applies everything that fell due.
    /// - Throws: 400 for a negative step or one past the end of year 9999 (never a trap: in
    ///   sandbox mode this process is the vendor's `entitle serve`).
    func advanceClock(seconds: Int64) throws(GoogleAPIError) {
        let room = Self.endOfTime.seconds - now.seconds
        guard (0...room).contains(seconds) else {
            throw .invalidArgument(
                "seconds must be 0 to \(room) (the clock stops at the end of year 9999); got \(seconds)."
            )
        }
        try clock.advance(seconds: seconds)
        applyDueChanges()
    }

    /// Moves the clock forward by a calendar duration (`P1M` from Jan 31 ends on Feb 28 or 29).
    func advanceClock(by duration: ISO8601Duration) throws(GoogleAPIError) {
        let now = self.now
        let target = duration.added(to: now)
        guard target <= Self.endOfTime else {
            throw .invalidArgument("\(duration) from now is past the end of year 9999.")
        }
        try advanceClock(seconds: target.seconds - now.seconds)
    }

    /// Applies every time-driven transition that is due now. Called before each API call, so real
    /// time passing has the same effect as time travel. Scans only when the earliest due time has
    /// come (`nextDue`), so a call costs O(1) however many entitlements there are.
    func applyDueChanges() {
        guard let due = nextDue, due <= now else { return }
        var changed = true
        while changed {
            changed = false
            for id in entitlementOrder where applyDueChange(id) {
                changed = true
            }
        }
        nextDue = entitlements.values.compactMap(Self.dueTime).min()
    }

    /// When `record` next changes by itself, if ever: the one place that says what time drives.
    static func dueTime(_ record: EntitlementRecord) -> Timestamp? {
        let entitlement = record.resource
        switch record.state {
        case .activationRequested?: return entitlement.newOfferStartTime
        case .pendingPlanChange?: return entitlement.newOfferStartTime ?? record.cycleEnd
        case .pendingCancellation?: return entitlement.subscriptionEndTime ?? record.cycleEnd
        case .active? where entitlement.offer != nil && entitlement.offerEndTime != nil:
            return min(entitlement.offerEndTime ?? record.cycleEnd, record.cycleEnd)
        case let state? where state.isInService: return record.cycleEnd
        case .cancelled?: return record.purgeAt
        default: return nil
        }
    }

    private func applyDueChange(_ id: String) -> Bool {
        guard let record = entitlements[id], let due = Self.dueTime(record), due <= now else { return false }
        let entitlement = record.resource
        switch record.state {
        case .activationRequested?:
            updateEntitlement(id, publishing: [.entitlementActive]) {
                $0.resource.state = .active
                $0.resource.newOfferStartTime = nil
                $0.cycleStart = due
            }
        case .pendingPlanChange?:
            updateEntitlement(id, publishing: [.entitlementPlanChanged]) { completePlanChange(&$0) }
        case .pendingCancellation?:
            updateEntitlement(id, publishing: [.entitlementCancelling, .entitlementCancelled]) {
                $0.resource.state = .cancelled
                $0.resource.cancellationReason = "user-cancelled"
            }
        case .active? where (entitlement.offerEndTime.map { $0 <= now }) == true:
            endOfferTerm(id, record)
        case .cancelled?:
            var gone = record
            gone.resource.updateTime = stamp()
            entitlements[id] = nil
            entitlementOrder.removeAll { $0 == id }
            accounts[record.resource.accountID?.rawValue ?? ""]?.entitlementIDs.removeAll { $0 == id }
            publishEntitlementEvent(.entitlementDeleted, gone)
        default:
            // A new billing cycle: bookkeeping only, nothing a provider sees.
            entitlements[id]?.cycleStart = record.cycleEnd
        }
        return true
    }

    /// A private offer's term ended: renew it, or end it and continue at list price or cancel.
    private func endOfferTerm(_ id: String, _ record: EntitlementRecord) {
        let product = catalog.product(record.productID)
        let end = record.resource.offerEndTime ?? now
        if product?.renewOffers == true {
            let term = record.resource.offerTerm ?? ISO8601Duration(years: 1)
            updateEntitlement(id, publishing: [.entitlementRenewed]) { $0.resource.offerEndTime = term.added(to: end) }
        } else if product?.offerEnd == .cancel {
            updateEntitlement(id, publishing: [.entitlementOfferEnded, .entitlementCancelled]) {
                $0.resource.state = .cancelled
                $0.resource.cancellationReason = "expired"
            }
        } else {
            updateEntitlement(id, publishing: [.entitlementOfferEnded]) {
                $0.resource.offer = nil
                $0.resource.offerDuration = nil
                $0.resource.offerEndTime = nil
            }
        }
    }
}
