import Foundation
import MarketplaceCore

/// What a customer does in the Marketplace console (the buyer simulator), each step with the
/// event Google sends for it (contract §2.2).
extension EmulatorState {
    struct Purchase: Sendable {
        var accountID: String
        var entitlementID: String
    }

    /// A purchase: creates the account on the first order (ACCOUNT_ACTIVE, `signup` PENDING), then
    /// the entitlement (ENTITLEMENT_CREATION_REQUESTED, or ENTITLEMENT_OFFER_ACCEPTED for a private
    /// offer on a product whose offers Google approves itself).
    func buy(
        accountID: String?,
        productID: String,
        planID: String,
        offer: OfferTerms?,
        consumerProject: String?
    ) throws(GoogleAPIError) -> Purchase {
        guard let product = catalog.product(productID) else { throw .invalidArgument("Unknown product \(productID).") }
        guard product.plan(planID) != nil else {
            throw .invalidArgument("Product \(product.id) has no plan \(planID).")
        }
        let terms = try offer.map { (offer: OfferTerms) throws(GoogleAPIError) in try validated(offer, product: product)
        }
        if let accountID {
            do { _ = try AccountID(accountID) } catch { throw .invalidArgument("\(error)") }
        }
        let account = accountID ?? newID(prefix: "E")
        if accounts[account] == nil {
            registerCreation(account)
            let time = stamp()
            accounts[account] = AccountRecord(
                resource: Account(
                    name: accountName(account),
                    provider: provider.rawValue,
                    state: .active,
                    approvals: [Approval(name: Approval.signupName, state: .pending, updateTime: time)],
                    createTime: time,
                    updateTime: time
                )
            )
            accountOrder.append(account)
            publishAccountEvent(.accountActive, accountID: account, updateTime: time)
        }
        let id = newID(prefix: "")
        let autoApproved = terms != nil && product.autoApprovedOffers == true
        let time = stamp()
        var entitlement = Entitlement(
            name: entitlementName(id),
            provider: provider.rawValue,
            account: accountName(account),
            product: product.id,
            productExternalName: product.externalName,
            plan: planID,
            offer: terms?.name,
            offerDuration: terms?.duration,
            offerEndTime: terms.flatMap(offerEnd),
            state: .activationRequested,
            usageReportingId: product.usageBased == true
                ? "project_number:\(100_000_000 + entitlementOrder.count)" : nil,
            consumers: consumerProject.map { [Consumer(project: $0)] },
            orderId: "order-\(id.prefix(8))",
            createTime: time,
            updateTime: time
        )
        if autoApproved { entitlement.newOfferStartTime = max(terms?.startTime ?? now, now) }
        entitlements[id] = EntitlementRecord(resource: entitlement, productID: product.id, cycleStart: time)
        entitlementOrder.append(id)
        accounts[account]?.entitlementIDs.append(id)
        if let consumer = entitlement.usageReportingId { consumers[consumer] = id }
        updateEntitlement(id, publishing: [autoApproved ? .entitlementOfferAccepted : .entitlementCreationRequested]) {
            _ in
        }
        return Purchase(accountID: account, entitlementID: id)
    }

    /// contract §2.2: ACTIVE → PENDING_PLAN_CHANGE_APPROVAL (`newPendingPlan`), or for an
    /// auto-approved replacement offer straight to PENDING_PLAN_CHANGE with a scheduled start.
    func requestPlanChange(_ id: String, planID: String?, offer: OfferTerms?) throws(GoogleAPIError) {
        let record = try entitlement(id)
        guard record.state == .active else {
            throw .failedPrecondition(
                "A plan can only be changed while the entitlement is ACTIVE (it is \(record.state?.rawValue ?? "unset"))."
            )
        }
        guard let product = catalog.product(record.productID) else { throw .failedPrecondition("Unknown product.") }
        let newPlan = planID ?? record.resource.plan ?? ""
        guard product.plan(newPlan) != nil else {
            throw .invalidArgument("Product \(product.id) has no plan \(newPlan).")
        }
        let terms = try offer.map { (offer: OfferTerms) throws(GoogleAPIError) in try validated(offer, product: product)
        }
        guard newPlan != record.resource.plan || terms != nil else {
            throw .invalidArgument("The entitlement is already on plan \(newPlan).")
        }
        let waitsForCycle = product.plan(record.resource.plan ?? "")?.changeAtCycleEnd == true
        let autoApproved = terms != nil && product.autoApprovedOffers == true
        let startsAt = max(terms?.startTime ?? (waitsForCycle ? record.cycleEnd : now), now)
        updateEntitlement(
            id,
            publishing: autoApproved ? [.entitlementOfferAccepted] : [.entitlementPlanChangeRequested]
        ) {
            $0.resource.state = autoApproved ? .pendingPlanChange : .pendingPlanChangeApproval
            $0.resource.newPendingPlan = newPlan
            $0.resource.newPendingOffer = terms?.name
            $0.resource.newPendingOfferDuration = terms?.duration
            $0.resource.newOfferEndTime = terms.flatMap { offerEnd($0, from: startsAt) }
            $0.resource.newOfferStartTime = autoApproved ? startsAt : nil
            $0.changeAtCycleEnd = waitsForCycle
        }
    }

    /// The customer withdraws a pending change: back to ACTIVE on the old plan.
    func withdrawPlanChange(_ id: String) throws(GoogleAPIError) {
        let record = try entitlement(id)
        guard record.state == .pendingPlanChangeApproval || record.state == .pendingPlanChange else {
            throw .failedPrecondition("No plan change is pending.")
        }
        updateEntitlement(id, publishing: [.entitlementPlanChangeCancelled]) {
            $0.resource.state = .active
            clearPending(&$0.resource)
        }
    }

    /// Immediate: CANCELLING then CANCELLED. At term end: PENDING_CANCELLATION until the cycle ends.
    func cancel(_ id: String, immediately: Bool?) throws(GoogleAPIError) {
        let record = try entitlement(id)
        guard record.state?.isInService == true, record.state != .pendingCancellation else {
            throw .failedPrecondition(
                "Only an entitlement in service can be cancelled (it is \(record.state?.rawValue ?? "unset"))."
            )
        }
        let product = catalog.product(record.productID)
        if immediately ?? (product?.cancellation == .immediate) {
            updateEntitlement(id, publishing: [.entitlementCancelling, .entitlementCancelled]) {
                $0.resource.state = .cancelled
                $0.resource.cancellationReason = "user-cancelled"
                clearPending(&$0.resource)
            }
        } else {
            let end = record.cycleEnd
            updateEntitlement(id, publishing: [.entitlementPendingCancellation]) {
                $0.resource.state = .pendingCancellation
                $0.resource.subscriptionEndTime = end
                clearPending(&$0.resource)
            }
        }
    }

    /// The order moves to another billing account: it ends CANCELLED with `cancellationReason`
    /// `migrated`, and a new order of the same plan opens for the same account, waiting on the
    /// vendor as any new order does.
    func migrate(_ id: String) throws(GoogleAPIError) -> Purchase {
        let record = try entitlement(id)
        guard record.state?.isInService == true, let plan = record.resource.plan else {
            throw .failedPrecondition(
                "Only an entitlement in service can migrate (it is \(record.state?.rawValue ?? "unset"))."
            )
        }
        let account = String(record.resource.account?.split(separator: "/").last ?? "")
        updateEntitlement(id, publishing: [.entitlementCancelled]) {
            $0.resource.state = .cancelled
            $0.resource.cancellationReason = "migrated"
            clearPending(&$0.resource)
        }
        return try buy(accountID: account, productID: record.productID, planID: plan, offer: nil, consumerProject: nil)
    }

    func revertCancellation(_ id: String) throws(GoogleAPIError) {
        let record = try entitlement(id)
        guard record.state == .pendingCancellation else { throw .failedPrecondition("No cancellation is pending.") }
        updateEntitlement(id, publishing: [.entitlementCancellationReverted]) {
            $0.resource.state = .active
            $0.resource.subscriptionEndTime = nil
        }
    }

    /// Google removes the account (ACCOUNT_DELETED; GET answers 404 from then on).
    func deleteAccount(_ id: String) throws(GoogleAPIError) {
        _ = try account(id)
        for entitlementID in accounts[id]?.entitlementIDs ?? [] {
            if entitlements[entitlementID]?.state?.isInService == true
                || entitlements[entitlementID]?.state == .activationRequested
            {
                updateEntitlement(entitlementID, publishing: [.entitlementCancelled]) {
                    $0.resource.state = .cancelled
                    $0.resource.cancellationReason = "account-closed"
                    clearPending(&$0.resource)
                }
            }
        }
        accounts[id] = nil
        accountOrder.removeAll { $0 == id }
        publishAccountEvent(.accountDeleted, accountID: id, updateTime: stamp())
    }

    private func validated(_ offer: OfferTerms, product: Catalog.Product) throws(GoogleAPIError) -> OfferTerms {
        var offer = offer
        if offer.duration != nil && offer.endTime != nil {
            throw .invalidArgument("An offer has a duration or an end time, not both.")
        }
        if let duration = offer.duration {
            do { _ = try ISO8601Duration(parsing: duration) } catch { throw .invalidArgument("\(error)") }
        }
        offer.name =
            offer.name ?? "projects/emulator/services/\(product.externalName)/privateOffers/\(newID(prefix: "offer"))"
        return offer
    }

    private func offerEnd(_ offer: OfferTerms) -> Timestamp? { offerEnd(offer, from: now) }

    private func offerEnd(_ offer: OfferTerms, from start: Timestamp) -> Timestamp? {
        offer.endTime ?? offer.duration.flatMap { try? ISO8601Duration(parsing: $0) }?.added(to: start)
    }
}
