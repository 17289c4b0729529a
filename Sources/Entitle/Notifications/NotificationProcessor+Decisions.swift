import EntitleStore
import Foundation
import GoogleCloud
import Logging
import MarketplaceCore

/// Re-reading and deciding, then the Procurement calls a decision asks for.
extension NotificationProcessor {
    /// Re-reads the subject (404 = gone) and decides.
    func decide(_ event: MarketplaceEvent) async throws -> ([ReconcilerAction], Entitlement?) {
        switch event.subject {
        case .account(let notice):
            return (try await decideAccount(notice.id, trigger: .event(event)), nil)
        case .entitlement(let notice):
            return try await decideEntitlement(notice.id, trigger: .event(event))
        }
    }

    func decideAccount(_ id: AccountID, trigger: ReconcileTrigger) async throws -> [ReconcilerAction] {
        let situation = AccountSituation(trigger: trigger, accountID: id, fetched: try await fetchAccount(id), local: try await store.account(id))
        return EntitlementReconciler.decide(situation)
    }

    func decideEntitlement(_ id: EntitlementID, trigger: ReconcileTrigger) async throws -> ([ReconcilerAction], Entitlement?) {
        let fetched = try await fetchEntitlement(id)
        let local = try await store.entitlement(id)
        var copy: Entitlement?
        if case .found(let entitlement) = fetched { copy = entitlement }
        let accountID = copy?.accountID ?? local?.accountID
        let account = try await accountID.asyncMap { try await store.account($0) } ?? nil
        let situation = EntitlementSituation(
            trigger: trigger,
            entitlementID: id,
            fetched: fetched,
            local: local,
            account: account,
            policy: policies.policy(for: copy ?? local?.resource)
        )
        return (EntitlementReconciler.decide(situation), copy)
    }

    /// The re-read (contract §1.4 step 3): Google's 404 means the resource is gone.
    func fetchEntitlement(_ id: EntitlementID) async throws -> FetchResult<Entitlement> {
        do { return .found(try await procurement.entitlement(id)) } catch let error as GoogleAPIError where error.isNotFound { return .notFound }
    }

    func fetchAccount(_ id: AccountID) async throws -> FetchResult<Account> {
        do { return .found(try await procurement.account(id)) } catch let error as GoogleAPIError where error.isNotFound { return .notFound }
    }

    /// The Procurement calls, first in every decision. A refusal because the entitlement is no
    /// longer in the state the call needs (FAILED_PRECONDITION) means another delivery or a
    /// person got there first: success (contract §1.4). Anything else is thrown, so the message
    /// comes again.
    /// - Parameter tolerateRefusal: false for an administrator's decision, who must hear Google's refusal.
    func perform(_ actions: [ReconcilerAction], tolerateRefusal: Bool = true) async throws {
        for action in actions where action.callsGoogle {
            do {
                switch action {
                case .approveEntitlement(let id): try await procurement.approveEntitlement(id)
                case .rejectEntitlement(let id, let reason): try await procurement.rejectEntitlement(id, reason: reason)
                case .approvePlanChange(let id, let plan): try await procurement.approvePlanChange(id, pendingPlanName: plan)
                case .rejectPlanChange(let id, let plan, let reason):
                    try await procurement.rejectPlanChange(id, pendingPlanName: plan, reason: reason)
                default: break
                }
                counters.count { $0.apiCalls += 1 }
            } catch let error as GoogleAPIError where error.isFailedPrecondition {
                counters.count { $0.refusedCalls += 1 }
                guard tolerateRefusal else { throw error }
                logger.info("already done", metadata: ["action": "\(action)", "error": "\(error)"])
            }
        }
    }

    /// After a plan-change approval that Google schedules for the end of the billing cycle, records
    /// what Google shows now (PENDING_PLAN_CHANGE): no notification announces that state (contract
    /// §2.2, "none until effective"), so without this the store would show "waiting for approval"
    /// for the rest of the cycle. A change that took effect at once is left to its
    /// ENTITLEMENT_PLAN_CHANGED notification, which announces it (and its callback).
    func refreshedAfterApproval(_ actions: [ReconcilerAction]) async throws -> [ReconcilerAction] {
        guard actions.contains(where: { if case .approvePlanChange = $0 { true } else { false } }) else { return actions }
        var refreshed: [ReconcilerAction] = []
        for action in actions {
            guard case .recordEntitlement(var local) = action, case .found(let current) = try await fetchEntitlement(local.id),
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
