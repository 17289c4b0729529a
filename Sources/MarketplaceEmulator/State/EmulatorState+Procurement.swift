import Foundation
import MarketplaceCore

/// The Procurement API's methods with the state guards of contract §3 and the transitions of §2.
extension EmulatorState {
    // MARK: Accounts (contract §3.1)

    func approveAccount(_ id: String, _ request: ApproveAccountRequest) throws(GoogleAPIError) {
        let index = try approvalIndex(id, request.approvalName)
        guard accounts[id]?.resource.approvals?[index].state != .approved else {
            throw .failedPrecondition(
                "Approval \(request.approvalName ?? Approval.signupName) of \(accountName(id)) is already approved."
            )
        }
        setApproval(id, index, .approved, reason: request.reason)
    }

    func rejectAccount(_ id: String, _ request: RejectAccountRequest) throws(GoogleAPIError) {
        let index = try approvalIndex(id, request.approvalName)
        guard accounts[id]?.resource.approvals?[index].state == .pending else {
            throw .failedPrecondition("Only a pending approval can be rejected.")
        }
        setApproval(id, index, .rejected, reason: request.reason)
    }

    /// contract §2.1: cancels every entitlement of the (test) account and sets `signup` back to
    /// PENDING; no account message is sent.
    func resetAccount(_ id: String) throws(GoogleAPIError) {
        _ = try account(id)
        for entitlementID in accounts[id]?.entitlementIDs ?? [] {
            guard let state = entitlements[entitlementID]?.state, state != .cancelled else { continue }
            updateEntitlement(entitlementID, publishing: [.entitlementCancelled]) {
                $0.resource.state = .cancelled
                $0.resource.cancellationReason = "account-closed"
                clearPending(&$0.resource)
            }
        }
        if let index = accounts[id]?.resource.approvals?.firstIndex(where: { $0.name == Approval.signupName }) {
            setApproval(id, index, .pending, reason: nil)
        }
    }

    private func approvalIndex(_ id: String, _ name: String?) throws(GoogleAPIError) -> Int {
        let approvals = try account(id).resource.approvals ?? []
        // contract §3.1: approvalName may be omitted only when exactly one approval is possible.
        let wanted = name ?? (approvals.count == 1 ? approvals[0].name : nil)
        guard let wanted else {
            throw .invalidArgument("approvalName is required when the account has several approvals.")
        }
        guard let index = approvals.firstIndex(where: { $0.name == wanted }) else {
            throw .invalidArgument("Account \(accountName(id)) has no approval named \(wanted).")
        }
        return index
    }

    private func setApproval(_ id: String, _ index: Int, _ state: ApprovalState, reason: String?) {
        let time = stamp()
        updateAccount(id) {
            $0.resource.approvals?[index].state = state
            $0.resource.approvals?[index].reason = reason.map { $0.truncated(toUTF8Bytes: 256) }
            $0.resource.approvals?[index].updateTime = time
        }
    }

    // MARK: Entitlements (contract §3.2)

    func approveEntitlement(_ id: String) throws(GoogleAPIError) {
        let record = try entitlement(id)
        guard record.state == .activationRequested, record.resource.newOfferStartTime == nil else {
            throw .failedPrecondition(
                "Entitlement \(entitlementName(id)) is \(record.state?.rawValue ?? "unset"), not awaiting approval."
            )
        }
        if requireSignupBeforeApproval, let accountID = record.resource.accountID?.rawValue,
            accounts[accountID]?.resource.signupApproval?.state != .approved
        {
            throw .failedPrecondition("Account \(accountName(accountID)) has not been approved for signup.")
        }
        updateEntitlement(id, publishing: [.entitlementActive]) {
            $0.resource.state = .active
            $0.cycleStart = now
        }
    }

    func rejectEntitlement(_ id: String, reason: String?) throws(GoogleAPIError) {
        let record = try entitlement(id)
        guard record.state == .activationRequested else {
            throw .failedPrecondition(
                "Entitlement \(entitlementName(id)) is \(record.state?.rawValue ?? "unset"), not awaiting approval."
            )
        }
        // contract §2.2 [bg]: a rejected order ends as CANCELLED.
        updateEntitlement(id, publishing: [.entitlementCancelled]) {
            $0.resource.state = .cancelled
            $0.resource.cancellationReason = "user-aborted"
        }
    }

    func approvePlanChange(_ id: String, pendingPlanName: String?) throws(GoogleAPIError) {
        let record = try pendingPlanChange(id, pendingPlanName)
        if record.changeAtCycleEnd {
            let effective = record.cycleEnd
            updateEntitlement(id) {
                $0.resource.state = .pendingPlanChange
                $0.resource.newOfferStartTime = effective
            }
        } else {
            updateEntitlement(id, publishing: [.entitlementPlanChanged]) { completePlanChange(&$0) }
        }
    }

    func rejectPlanChange(_ id: String, pendingPlanName: String?) throws(GoogleAPIError) {
        _ = try pendingPlanChange(id, pendingPlanName)
        updateEntitlement(id, publishing: [.entitlementPlanChangeCancelled]) {
            $0.resource.state = .active
            clearPending(&$0.resource)
        }
    }

    /// contract §3.2: only `messageToUser`, and only while the buyer waits on the provider.
    func patchEntitlement(_ id: String, updateMask: String?, _ patch: Entitlement) throws(GoogleAPIError) -> Entitlement
    {
        let record = try entitlement(id)
        let fields = (updateMask ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !fields.isEmpty else { throw .invalidArgument("updateMask is required.") }
        if let other = fields.first(where: { $0 != "messageToUser" && $0 != "message_to_user" }) {
            throw .invalidArgument("Field \(other) cannot be updated; only messageToUser can.")
        }
        guard record.state == .activationRequested || record.state == .pendingPlanChangeApproval else {
            throw .failedPrecondition("messageToUser can only be set while the entitlement awaits the provider.")
        }
        // An empty message clears it, as no message at all does.
        updateEntitlement(id) { $0.resource.messageToUser = patch.messageToUser.flatMap { $0.isEmpty ? nil : $0 } }
        return entitlements[id]!.resource
    }

    // MARK: Shared transitions

    private func pendingPlanChange(_ id: String, _ pendingPlanName: String?) throws(GoogleAPIError) -> EntitlementRecord
    {
        let record = try entitlement(id)
        guard let pendingPlanName, !pendingPlanName.isEmpty else {
            throw .invalidArgument("pendingPlanName is required.")
        }
        guard record.state == .pendingPlanChangeApproval else {
            throw .failedPrecondition(
                "Entitlement \(entitlementName(id)) is \(record.state?.rawValue ?? "unset"), not awaiting a plan change approval."
            )
        }
        guard record.resource.newPendingPlan == pendingPlanName else {
            throw .failedPrecondition(
                "pendingPlanName \(pendingPlanName) does not match the pending plan \(record.resource.newPendingPlan ?? "")."
            )
        }
        return record
    }

    func completePlanChange(_ record: inout EntitlementRecord) {
        record.resource.state = .active
        record.resource.plan = record.resource.newPendingPlan ?? record.resource.plan
        if let offer = record.resource.newPendingOffer {
            record.resource.offer = offer
            record.resource.offerDuration = record.resource.newPendingOfferDuration
            record.resource.offerEndTime =
                record.resource.newOfferEndTime
                ?? record.resource.newPendingOfferDuration.flatMap { try? ISO8601Duration(parsing: $0) }?.added(to: now)
        }
        record.changeAtCycleEnd = false
        clearPending(&record.resource)
    }

    func clearPending(_ entitlement: inout Entitlement) {
        entitlement.newPendingPlan = nil
        entitlement.newPendingOffer = nil
        entitlement.newPendingOfferDuration = nil
        entitlement.newOfferStartTime = nil
        entitlement.newOfferEndTime = nil
    }
}
