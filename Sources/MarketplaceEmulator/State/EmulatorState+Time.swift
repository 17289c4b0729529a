import MarketplaceCore

/// What happens when time passes (contract §2.2): scheduled starts, plan changes at the cycle end,
/// term ends, renewals and offer ends, and the purge of cancelled entitlements.
extension EmulatorState {
    /// Moves the clock forward and applies everything that fell due.
    func advanceClock(seconds: Int64) throws(GoogleAPIError) {
        try clock.advance(seconds: seconds)
        applyDueChanges()
    }

    /// Applies every time-driven transition that is due now. Called before each API call, so real
    /// time passing has the same effect as time travel.
    func applyDueChanges() {
        var changed = true
        while changed {
            changed = false
            for id in entitlementOrder where applyDueChange(id) {
                changed = true
            }
        }
    }

    private func applyDueChange(_ id: String) -> Bool {
        guard let record = entitlements[id] else { return false }
        let now = self.now
        let entitlement = record.resource
        switch record.state {
        case .activationRequested? where (entitlement.newOfferStartTime.map { $0 <= now }) == true:
            let start = entitlement.newOfferStartTime ?? now
            updateEntitlement(id, publishing: [.entitlementActive]) {
                $0.resource.state = .active
                $0.resource.newOfferStartTime = nil
                $0.cycleStart = start
            }
        case .pendingPlanChange? where (entitlement.newOfferStartTime ?? record.cycleEnd) <= now:
            updateEntitlement(id, publishing: [.entitlementPlanChanged]) { completePlanChange(&$0) }
        case .pendingCancellation? where (entitlement.subscriptionEndTime ?? record.cycleEnd) <= now:
            updateEntitlement(id, publishing: [.entitlementCancelling, .entitlementCancelled]) {
                $0.resource.state = .cancelled
                $0.resource.cancellationReason = "user-cancelled"
            }
        case .active? where entitlement.offer != nil && (entitlement.offerEndTime.map { $0 <= now }) == true:
            endOfferTerm(id, record)
        case let state? where state.isInService && record.cycleEnd <= now:
            // A new billing cycle: bookkeeping only, nothing a provider sees.
            entitlements[id]?.cycleStart = record.cycleEnd
        case .cancelled? where (record.purgeAt.map { $0 <= now }) == true:
            var gone = record
            gone.resource.updateTime = stamp()
            entitlements[id] = nil
            entitlementOrder.removeAll { $0 == id }
            publishEntitlementEvent(.entitlementDeleted, gone)
        default:
            return false
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
