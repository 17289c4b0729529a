extension EntitlementReconciler {
    /// The actions for one account event. Accounts are mirrored, never approved here: approval is
    /// the sign-up flow's, after the buyer's token is verified (contract §1.3 ACCOUNT_ACTIVE, §10.3).
    public static func decide(_ situation: AccountSituation) -> [ReconcilerAction] {
        let eventType = situation.trigger.eventType
        if eventType == .accountCreationRequested {
            return [.nothing(.deprecatedEvent(.accountCreationRequested))]
        }
        if case .unknown(let raw)? = eventType {
            return decideAccount(situation) + [.logUnknownEventType(raw)]
        }
        return decideAccount(situation)
    }

    private static func decideAccount(_ situation: AccountSituation) -> [ReconcilerAction] {
        let local = situation.local
        switch situation.fetched {
        case .notFound:
            // contract §1.3 ACCOUNT_DELETED: erase personal data, idempotently.
            guard let local else { return [.nothing(.resourceGone)] }
            guard !local.isErased else { return [.nothing(.alreadyErased)] }
            var erased = local
            erased.isErased = true
            return [
                .eraseAccountData(local.id), .recordAccount(erased),
                .enqueueCallback(callback(.accountDeleted, local.id, nil)),
            ]
        case .found(let account):
            if local?.isErased == true {
                return [.nothing(.alreadyErased)]
            }
            if let stored = local?.updateTime, let fetchedTime = account.updateTime, fetchedTime < stored {
                return [.nothing(.staleResource(fetched: fetchedTime, stored: stored))]
            }
            let next = LocalAccount(
                id: situation.accountID,
                signupApproval: account.signupApproval?.state,
                isSignedUp: local?.isSignedUp ?? false,
                updateTime: account.updateTime
            )
            return (next == local ? [.nothing(.upToDate)] : [.recordAccount(next)])
        }
    }
}
