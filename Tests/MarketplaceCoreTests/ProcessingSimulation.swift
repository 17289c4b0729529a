import MarketplaceCore

/// The notification handler of docs/architecture.md reduced to plain values: inbox check, re-read,
/// decide, call Google, then commit the local state, callbacks and inbox row together.
struct ProcessingSimulation {
    var policy: ApprovalPolicy
    var entitlements: [EntitlementID: LocalEntitlement] = [:]
    var accounts: [AccountID: LocalAccount] = [:]
    var inbox: Set<String> = []
    var callbacks: [(CallbackKind, EntitlementID?)] = []
    /// Approval calls Google refused; allowed only when the read they rested on was behind.
    var refusedAfterLaggingRead = 0
    var problems: [String] = []

    init(policy: ApprovalPolicy) {
        self.policy = policy
    }

    /// Handles one delivery. With `crashBeforeCommit`, the API calls happen and nothing is stored,
    /// as when the process dies between the two; the caller redelivers the message.
    mutating func handle(
        _ event: MarketplaceEvent,
        google: inout GoogleModel,
        lagging: inout SeededRandom?,
        crashBeforeCommit: Bool
    ) {
        guard !inbox.contains(event.eventID) else { return }
        let actions: [ReconcilerAction]
        var fetchedCopy: Entitlement?
        switch event.subject {
        case .account(let notice):
            let fetched: FetchResult<Account> = .found(
                Account(
                    name: "providers/DEMO-p/accounts/\(notice.id)",
                    state: .active,
                    approvals: [
                        Approval(name: "signup", state: google.signedUp[notice.id] == true ? .approved : .pending)
                    ],
                    updateTime: notice.updateTime
                )
            )
            actions = EntitlementReconciler.decide(
                AccountSituation(
                    trigger: .event(event),
                    accountID: notice.id,
                    fetched: fetched,
                    local: accounts[notice.id]
                )
            )
        case .entitlement(let notice):
            let fetched = google.read(notice.id, atLeast: notice.updateTime, lagging: &lagging)
            if case .found(let copy) = fetched { fetchedCopy = copy }
            actions = decide(.event(event), notice.id, fetched)
        }
        perform(actions, fetched: fetchedCopy, google: &google, crashBeforeCommit: crashBeforeCommit)
        if !crashBeforeCommit { inbox.insert(event.eventID) }
    }

    /// The sign-up flow's last step: the buyer is linked, then waiting orders are looked at again.
    mutating func signUp(_ account: AccountID, google: inout GoogleModel) {
        google.signUp(account)
        var local = accounts[account] ?? LocalAccount(id: account)
        local.isSignedUp = true
        local.signupApproval = .approved
        accounts[account] = local
        for (id, entitlement) in entitlements.sorted(by: { $0.key < $1.key })
        where entitlement.accountID == account && entitlement.state == .activationRequested {
            var latest: SeededRandom? = nil
            let fetched = google.read(id, atLeast: nil, lagging: &latest)
            perform(
                decide(.signupCompleted, id, fetched),
                fetched: fetched.copy,
                google: &google,
                crashBeforeCommit: false
            )
        }
    }

    private func decide(
        _ trigger: ReconcileTrigger,
        _ id: EntitlementID,
        _ fetched: FetchResult<Entitlement>
    ) -> [ReconcilerAction] {
        let local = entitlements[id]
        let accountID = fetched.copy?.accountID ?? local?.accountID
        return EntitlementReconciler.decide(
            EntitlementSituation(
                trigger: trigger,
                entitlementID: id,
                fetched: fetched,
                local: local,
                account: accountID.flatMap { accounts[$0] },
                policy: policy
            )
        )
    }

    private mutating func perform(
        _ actions: [ReconcilerAction],
        fetched: Entitlement?,
        google: inout GoogleModel,
        crashBeforeCommit: Bool
    ) {
        for action in actions where action.callsGoogle {
            // The property: an approval is asked for only when the re-read copy needs it.
            switch action {
            case .approveEntitlement(let id):
                if fetched?.state != .activationRequested || fetched?.newOfferStartTime != nil {
                    problems.append("approve \(id) on a read copy in \(fetched?.state?.rawValue ?? "nothing")")
                }
                call(fetched, id, google: &google) { (google: inout GoogleModel) throws(GoogleModel.Refused) in
                    try google.approve(id)
                }
            case .approvePlanChange(let id, let plan):
                if fetched?.state != .pendingPlanChangeApproval || fetched?.newPendingPlan != plan {
                    problems.append(
                        "approvePlanChange \(id) to \(plan) on a read copy in \(fetched?.state?.rawValue ?? "nothing")"
                    )
                }
                call(fetched, id, google: &google) { (google: inout GoogleModel) throws(GoogleModel.Refused) in
                    try google.approvePlanChange(id, pendingPlan: plan)
                }
            default:
                problems.append("unexpected call \(action)")
            }
        }
        guard !crashBeforeCommit else { return }
        for action in actions {
            switch action {
            case .recordEntitlement(let local): entitlements[local.id] = local
            case .recordAccount(let local): accounts[local.id] = local
            case .enqueueCallback(let request): callbacks.append((request.kind, request.entitlementID))
            default: break
            }
        }
    }

    private mutating func call(
        _ fetched: Entitlement?,
        _ id: EntitlementID,
        google: inout GoogleModel,
        _ body: (inout GoogleModel) throws(GoogleModel.Refused) -> Void
    ) {
        let readWasLatest = fetched != nil && fetched == google.current(id)
        do {
            try body(&google)
        } catch {
            // Google refuses a second approve of an order that moved on (contract §1.4, step 5). That can only
            // follow a read that lagged behind; with the latest copy it would be Entitle's mistake.
            if readWasLatest { problems.append("Google refused a call made on the latest copy: \(error)") }
            refusedAfterLaggingRead += 1
        }
    }
}

extension FetchResult<Entitlement> {
    var copy: Entitlement? {
        if case .found(let value) = self { value } else { nil }
    }
}
