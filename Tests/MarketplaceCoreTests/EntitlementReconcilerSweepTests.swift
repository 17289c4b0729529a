import MarketplaceCore
import Testing

/// Every (eventType × fetched state × policy × stored copy) pair: the approval rules of contract §1.3
/// hold whatever event prompted the look, and nothing crashes or comes back empty.
@Suite struct EntitlementReconcilerSweepTests {
    static let eventTypes: [EventType?] =
        EventType.knownCases.filter { !$0.rawValue.hasPrefix("ACCOUNT") } + [.unknown("ENTITLEMENT_NEW_KIND"), nil]
    static let fetchedStates: [FetchResult<EntitlementState>] =
        (EntitlementState.knownCases + [.unknown("ENTITLEMENT_FUTURE")]).map { .found($0) } + [.notFound]

    @Test("approval calls exactly when the re-read state asks for one and the policy allows it", arguments: eventTypes)
    func sweep(eventType: EventType?) {
        for fetchedState in Self.fetchedStates {
            for entitlementPolicy in EntitlementApprovalPolicy.allCases {
                for planPolicy in PlanChangePolicy.allCases {
                    for signedUp in [false, true] {
                        for scheduled in [false, true] {
                            for stored in [nil, Given.local(Given.entitlement(.active, at: Given.t1))] {
                                check(
                                    eventType,
                                    fetchedState,
                                    ApprovalPolicy(entitlement: entitlementPolicy, planChange: planPolicy),
                                    signedUp,
                                    scheduled,
                                    stored
                                )
                            }
                        }
                    }
                }
            }
        }
    }

    private func check(
        _ eventType: EventType?,
        _ fetchedState: FetchResult<EntitlementState>,
        _ policy: ApprovalPolicy,
        _ signedUp: Bool,
        _ scheduled: Bool,
        _ stored: LocalEntitlement?
    ) {
        let fetched: FetchResult<Entitlement>
        var state: EntitlementState?
        switch fetchedState {
        case .found(let value):
            state = value
            fetched = .found(Given.entitlement(value, pendingPlan: "gold", startTime: scheduled ? Given.t3 : nil))
        case .notFound:
            fetched = .notFound
        }
        let actions = EntitlementReconciler.decide(
            EntitlementSituation(
                trigger: Given.event(eventType),
                entitlementID: Given.entitlementID,
                fetched: fetched,
                local: stored,
                account: Given.account(signedUp: signedUp),
                policy: policy
            )
        )
        let context =
            "\(eventType?.rawValue ?? "none") × \(state?.rawValue ?? "404") × \(policy) signedUp=\(signedUp) scheduled=\(scheduled) stored=\(stored != nil)"
        let mayApprove = policy.entitlement == .automatic || (policy.entitlement == .afterSignup && signedUp)
        let wantsApprove =
            state == .activationRequested && !scheduled && eventType != .entitlementOfferAccepted && mayApprove
        let wantsPlanApproval = state == .pendingPlanChangeApproval && policy.planChange == .automatic
        #expect(!actions.isEmpty, "\(context)")
        #expect(actions.contains(.approveEntitlement(Given.entitlementID)) == wantsApprove, "\(context)")
        #expect(
            actions.contains(.approvePlanChange(Given.entitlementID, pendingPlan: "gold")) == wantsPlanApproval,
            "\(context)"
        )
        #expect(actions.filter(\.callsGoogle).count == (wantsApprove || wantsPlanApproval ? 1 : 0), "\(context)")
        let firstOther = actions.firstIndex { !$0.callsGoogle } ?? actions.endIndex
        #expect(!actions[firstOther...].contains { $0.callsGoogle }, "API calls come first: \(context)")
        if case .unknown? = eventType {
            #expect(actions.last == .logUnknownEventType("ENTITLEMENT_NEW_KIND"), "\(context)")
        }
    }
}
