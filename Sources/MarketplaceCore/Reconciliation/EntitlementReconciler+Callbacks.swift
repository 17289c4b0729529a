extension EntitlementReconciler {
    /// Callbacks announcing the change from the stored copy to the fetched one. Derived from state so
    /// that each transition is announced once, whichever event (or resync) first reveals it; a
    /// transition that happened entirely between two reads (a cancellation reverted before Entitle
    /// saw it) is not announced, because the vendor's app never needed to act on it.
    static func transitionCallbacks(
        from old: Entitlement?,
        to new: Entitlement,
        _ accountID: AccountID?,
        _ id: EntitlementID
    ) -> [CallbackRequest] {
        let oldState = old?.state
        let newState = new.state
        let wasInService = oldState?.isInService ?? false
        let isInService = newState?.isInService ?? false
        var kinds: [CallbackKind] = []
        if isInService && !wasInService && oldState != .cancelled {
            kinds.append(.activated)
        }
        if wasInService && isInService, let old, old.plan != new.plan || old.offer != new.offer {
            kinds.append(.planChanged)
        }
        if newState == .pendingCancellation && oldState != .pendingCancellation {
            kinds.append(.pendingCancellation)
        }
        if oldState == .pendingCancellation && isInService && newState != .pendingCancellation {
            kinds.append(.cancellationReverted)
        }
        if newState == .cancelled && oldState != .cancelled && old != nil {
            // A migration ends the order, not the customer: told apart so the app keeps their data.
            kinds.append(new.cancellationReason == "migrated" ? .migrated : .cancelled)
        }
        return kinds.map { callback($0, accountID, id) }
    }

    /// Callbacks only an event can reveal: a renewal or an offer's end need not change the state.
    /// Sent even when the re-read copy is stale, since the event itself is the news; the inbox
    /// (eventId) keeps them to one per event.
    static func eventOnlyCallbacks(
        _ eventType: EventType?,
        _ fetched: Entitlement,
        _ accountID: AccountID?,
        _ id: EntitlementID
    ) -> [CallbackRequest] {
        switch eventType {
        case .entitlementRenewed?: [callback(.renewed, accountID, id)]
        case .entitlementOfferEnded?: [callback(.offerEnded, accountID, id)]
        default: []
        }
    }

    static func callback(_ kind: CallbackKind, _ accountID: AccountID?, _ id: EntitlementID?) -> CallbackRequest {
        CallbackRequest(kind: kind, accountID: accountID, entitlementID: id)
    }
}
