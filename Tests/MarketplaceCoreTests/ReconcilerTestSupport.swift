import MarketplaceCore

/// Builders and a readable summary of a decision, shared by the reconciler tests.
enum Given {
    static let entitlementID = try! EntitlementID("ent-1")
    static let accountID = try! AccountID("acct-1")
    static let t1 = Timestamp(seconds: 1_700_000_000)
    static let t2 = Timestamp(seconds: 1_700_000_100)
    static let t3 = Timestamp(seconds: 1_700_000_200)

    static func entitlement(
        _ state: EntitlementState?,
        plan: String = "basic",
        at time: Timestamp = t2,
        pendingPlan: String? = nil,
        offer: String? = nil,
        startTime: Timestamp? = nil,
        offerEnd: Timestamp? = nil
    ) -> Entitlement {
        Entitlement(
            name: "providers/DEMO-p/entitlements/\(entitlementID)",
            provider: "DEMO-p",
            account: "providers/DEMO-p/accounts/\(accountID)",
            plan: plan,
            newPendingPlan: pendingPlan,
            offer: offer,
            offerEndTime: offerEnd,
            newOfferStartTime: startTime,
            state: state,
            updateTime: time
        )
    }

    static func local(
        _ resource: Entitlement,
        deleted: Bool = false,
        requested: RequestedApproval? = nil
    ) -> LocalEntitlement {
        LocalEntitlement(
            id: entitlementID,
            accountID: accountID,
            resource: resource,
            isDeleted: deleted,
            requestedApproval: requested
        )
    }

    static func account(signedUp: Bool, erased: Bool = false, at time: Timestamp? = t1) -> LocalAccount {
        LocalAccount(
            id: accountID,
            signupApproval: signedUp ? .approved : .pending,
            isSignedUp: signedUp,
            isErased: erased,
            updateTime: time
        )
    }

    static func event(_ type: EventType?) -> ReconcileTrigger {
        .event(
            MarketplaceEvent(
                eventID: "evt",
                eventType: type,
                providerID: nil,
                subject: .entitlement(EntitlementNotice(id: entitlementID))
            )
        )
    }

    static func accountEvent(_ type: EventType?) -> ReconcileTrigger {
        .event(
            MarketplaceEvent(
                eventID: "evt",
                eventType: type,
                providerID: nil,
                subject: .account(AccountNotice(id: accountID))
            )
        )
    }
}

/// A decision summarised as a person reads a contract row: calls made, state recorded, callbacks, waits.
struct Outcome: Equatable, CustomStringConvertible {
    var calls: [ReconcilerAction] = []
    var recorded: EntitlementState?? = .none
    var recordedDeleted = false
    var callbacks: [CallbackKind] = []
    var waits: [AwaitReason] = []
    var nothing: [NothingReason] = []
    var unknownLogged = false

    init(
        calls: [ReconcilerAction] = [],
        recorded: EntitlementState?? = .none,
        recordedDeleted: Bool = false,
        callbacks: [CallbackKind] = [],
        waits: [AwaitReason] = [],
        nothing: [NothingReason] = [],
        unknownLogged: Bool = false
    ) {
        self.calls = calls
        self.recorded = recorded
        self.recordedDeleted = recordedDeleted
        self.callbacks = callbacks
        self.waits = waits
        self.nothing = nothing
        self.unknownLogged = unknownLogged
    }

    init(_ actions: [ReconcilerAction]) {
        for action in actions {
            switch action {
            case .approveEntitlement, .rejectEntitlement, .approvePlanChange, .rejectPlanChange: calls.append(action)
            case .recordEntitlement(let local):
                recorded = .some(local.state)
                recordedDeleted = local.isDeleted
            case .enqueueCallback(let request): callbacks.append(request.kind)
            case .await(let reason): waits.append(reason)
            case .nothing(let reason): nothing.append(reason)
            case .logUnknownEventType: unknownLogged = true
            case .recordAccount, .eraseAccountData: break
            }
        }
    }

    var description: String {
        "calls \(calls), recorded \(String(describing: recorded)) deleted \(recordedDeleted), callbacks \(callbacks.map(\.rawValue)), waits \(waits), nothing \(nothing), unknown \(unknownLogged)"
    }
}
