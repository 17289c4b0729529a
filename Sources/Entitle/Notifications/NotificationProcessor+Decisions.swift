import EntitleStore
import Foundation
import GoogleCloud
import Logging
import MarketplaceCore

/// Re-reading and deciding, then the Procurement calls a decision asks for.
extension NotificationProcessor {
    /// Re-reads the subject (404 = gone) and decides, from the records read before it.
    func decide(_ event: MarketplaceEvent, stored: DecisionRecords) async throws -> ([ReconcilerAction], Entitlement?) {
        switch event.subject {
        case .account(let notice):
            return (try await decideAccount(notice.id, trigger: .event(event), stored: stored), nil)
        case .entitlement(let notice):
            return try await decideEntitlement(notice.id, trigger: .event(event), stored: stored)
        }
    }

    /// - Parameter stored: the records already read for this decision; nil: read them here.
    func decideAccount(
        _ id: AccountID,
        trigger: ReconcileTrigger,
        stored: DecisionRecords? = nil
    ) async throws -> [ReconcilerAction] {
        let fetched = try await fetchAccount(id)
        let local = if let stored { stored.account } else { try await store.account(id) }
        return EntitlementReconciler.decide(
            AccountSituation(trigger: trigger, accountID: id, fetched: fetched, local: local)
        )
    }

    /// - Parameter stored: the records already read for this decision; nil: read them here.
    func decideEntitlement(
        _ id: EntitlementID,
        trigger: ReconcileTrigger,
        stored: DecisionRecords? = nil
    ) async throws -> ([ReconcilerAction], Entitlement?) {
        let fetched = try await fetchEntitlement(id)
        let local = if let stored { stored.entitlement } else { try await store.entitlement(id) }
        var copy: Entitlement?
        if case .found(let entitlement) = fetched { copy = entitlement }
        let accountID = copy?.accountID ?? local?.accountID
        // The account read with the stored entitlement serves unless Google names another (a new order).
        let account: LocalAccount?
        if let stored, accountID == stored.entitlement?.accountID {
            account = stored.account
        } else {
            account = try await accountID.asyncMap { try await store.account($0) } ?? nil
        }
        let situation = EntitlementSituation(
            trigger: trigger,
            entitlementID: id,
            fetched: fetched,
            local: local,
            account: account,
            policy: policies.policy(for: copy ?? local?.resource),
            now: now(),
            absenceConfirmationSeconds: absenceConfirmationSeconds
        )
        return (EntitlementReconciler.decide(situation), copy)
    }

    /// The re-read (contract §1.4 step 3): Google's 404 means the resource is gone.
    func fetchEntitlement(_ id: EntitlementID) async throws -> FetchResult<Entitlement> {
        do { return .found(try await procurement.entitlement(id)) } catch let error as GoogleAPIError
            where error.isNotFound
        { return .notFound }
    }

    func fetchAccount(_ id: AccountID) async throws -> FetchResult<Account> {
        do { return .found(try await procurement.account(id)) } catch let error as GoogleAPIError where error.isNotFound
        { return .notFound }
    }

    /// The Procurement calls, first in every decision; returns the decision as it stands after
    /// them. A refusal because the entitlement is not in the state the call needs
    /// (FAILED_PRECONDITION) is re-read, not believed: if the re-read shows the call's effect (another
    /// delivery or a person got there first) or that the entitlement moved on, it is done; if it
    /// still waits for the call, the decision records why (`waitingReason`, and the account's
    /// sign-up approval when Google has it pending again) so the next decision asks again. Anything
    /// else is thrown, so the message comes again.
    /// - Parameter tolerateRefusal: false for an administrator's decision, who must hear Google's refusal.
    func perform(_ actions: [ReconcilerAction], tolerateRefusal: Bool = true) async throws -> [ReconcilerAction] {
        var result = actions
        for action in actions where action.callsGoogle {
            do {
                switch action {
                case .approveEntitlement(let id): try await procurement.approveEntitlement(id)
                case .rejectEntitlement(let id, let reason): try await procurement.rejectEntitlement(id, reason: reason)
                case .approvePlanChange(let id, let plan):
                    try await procurement.approvePlanChange(id, pendingPlanName: plan)
                case .rejectPlanChange(let id, let plan, let reason):
                    try await procurement.rejectPlanChange(id, pendingPlanName: plan, reason: reason)
                default: break
                }
                counters.count { $0.apiCalls += 1 }
            } catch let error as GoogleAPIError where error.isFailedPrecondition {
                counters.count { $0.refusedCalls += 1 }
                guard tolerateRefusal, let id = action.entitlementID else { throw error }
                let reread = try await fetchEntitlement(id)
                switch EntitlementReconciler.outcome(ofRefused: action, reread: reread) {
                case .tookEffect: logger.info("already done", metadata: ["action": "\(action)", "error": "\(error)"])
                case .movedOn:
                    logger.info("no longer waiting for it", metadata: ["action": "\(action)", "error": "\(error)"])
                case .stillWaiting:
                    let (reason, account) = try await refusalCause(error, reread)
                    logger.warning(
                        "Google refused; waiting until the cause clears",
                        metadata: ["action": "\(action)", "reason": "\(reason)"]
                    )
                    result = EntitlementReconciler.refused(result, call: action, reason: reason)
                    if let account { result.append(.recordAccount(account)) }
                }
            }
        }
        return result
    }

    /// Why Google refused a call the entitlement still waits for. The cause Entitle can see: the
    /// account's sign-up approval is not approved at Google (an account reset puts it back to
    /// PENDING and announces nothing); then the local account record is corrected too.
    private func refusalCause(
        _ error: GoogleAPIError,
        _ reread: FetchResult<Entitlement>
    ) async throws -> (String, LocalAccount?) {
        let refused = "Google refused it: \(error.message)"
        guard case .found(let entitlement) = reread, let accountID = entitlement.accountID,
            case .found(let account) = try await fetchAccount(accountID), let approval = account.signupApproval?.state,
            approval != .approved
        else { return (refused, nil) }
        let reason =
            "\(refused); account \(accountID)'s sign-up approval is \(approval.rawValue) at Google, so the order waits for the buyer to sign up again"
        var local = try await store.account(accountID) ?? LocalAccount(id: accountID)
        guard local.signupApproval != approval else { return (reason, nil) }
        // Google's copy may predate a sign-up approval committed since it was read: then it is not
        // recorded (with the stored time it would win and put the approval back).
        if let stored = local.updateTime, (account.updateTime ?? .earliest) < stored { return (reason, nil) }
        local.signupApproval = approval
        local.updateTime = account.updateTime ?? local.updateTime
        return (reason, local)
    }

    /// After the sign-up approved a waiting order: Google usually activates it at once, and the
    /// buyer's hand-off (the next thing the app sees) should show it ACTIVE rather than wait for
    /// ENTITLEMENT_ACTIVE's round trip; its `activated` callback goes now, and that notification
    /// then finds it up to date. A failure loses nothing (the notification records the
    /// activation), so it is logged and the buyer goes on; only cancellation is thrown. Called
    /// under the entitlement's lock, once the approval is committed.
    func recordedAfterSignupApproval(_ id: EntitlementID, cause: Cause) async throws {
        do {
            let (decided, fetched) = try await decideEntitlement(id, trigger: .resync)
            let actions = try await perform(decided)
            var reread = cause
            reread.summary = "\(cause.summary): re-read after approval"
            if case .committed = try await store.commit(makeCommit(actions, cause: reread, fetched: fetched)) {
                await observeCommitted(actions, fetched: fetched, publishTime: nil)
            }
        } catch let error as CancellationError {
            throw error
        } catch {
            logger.warning(
                "re-read after the sign-up's approval failed; ENTITLEMENT_ACTIVE will record it",
                metadata: ["error": "\(error)"]
            )
        }
    }

    /// After a plan-change approval that Google schedules for the end of the billing cycle, records
    /// what Google shows now (PENDING_PLAN_CHANGE): no notification announces that state (contract
    /// §2.2, "none until effective"), so without this the store would show "waiting for approval"
    /// for the rest of the cycle. A change that took effect at once is left to its
    /// ENTITLEMENT_PLAN_CHANGED notification, which announces it (and its callback).
    func refreshedAfterApproval(_ actions: [ReconcilerAction]) async throws -> [ReconcilerAction] {
        guard actions.contains(where: { if case .approvePlanChange = $0 { true } else { false } }) else {
            return actions
        }
        var refreshed: [ReconcilerAction] = []
        for action in actions {
            guard case .recordEntitlement(var local) = action,
                case .found(let current) = try await fetchEntitlement(local.id),
                current.state == .pendingPlanChange, (current.updateTime ?? .earliest) > (local.updateTime ?? .earliest)
            else {
                refreshed.append(action)
                continue
            }
            local.resource = current
            refreshed.append(.recordEntitlement(local))
        }
        return refreshed
    }
}
