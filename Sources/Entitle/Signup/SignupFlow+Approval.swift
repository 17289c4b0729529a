import EntitleStore
import Foundation
import GoogleCloud
import Logging
import MarketplaceCore

/// The account's `signup` approval at Google and the local record of it, then its waiting orders.
extension SignupFlow {
    /// Links `customer` to the session's account, approves the account, decides its orders.
    func link(_ session: SignupSession, _ customer: Customer) async throws -> Customer {
        let account = session.accountID
        var record = try await approvedRecord(account)
        record.isSignedUp = true
        let time = now()
        let request = CallbackRequest(kind: .customerSignedUp, accountID: account, entitlementID: nil)
        var callback = CallbackMessage(
            request: request,
            cause: "signup:\(account.rawValue)",
            eventID: nil,
            entitlement: nil,
            createdAt: time
        )
        callback.user = CallbackUser(identity: session.userIdentity, roles: session.roles)
        let commit = StoreCommit(
            accounts: [record],
            callbacks: [callback.outboxItem(request)],
            audit: [
                AuditEntry(
                    at: time,
                    kind: .signup,
                    subject: "accounts/\(account.rawValue)",
                    summary: "signed up; signup approval given"
                )
            ]
        )
        let linked = try await store.completeSignup(sessionID: session.id, customer: customer, at: time, commit: commit)
        try await reconcileOrders(of: account)
        return linked
    }

    /// A returning buyer whose sign-up approval Google has pending again (after an account reset,
    /// which announces nothing) is approved again, whatever the local record says, and the
    /// account's waiting orders are decided again.
    func approveAgainIfPending(_ local: LocalAccount) async throws {
        let state = try await procurement.account(local.id).signupApproval?.state
        guard state != .approved else { return }
        let record = try await approvedRecord(local.id)
        let audit = AuditEntry(
            at: now(),
            kind: .signup,
            subject: "accounts/\(local.id.rawValue)",
            summary: "returning buyer: signup approval was \(state?.rawValue ?? "missing") at Google; given again"
        )
        _ = try await store.commit(StoreCommit(accounts: [record], audit: [audit]))
        logger.notice(
            "signup approved again for a returning buyer",
            metadata: ["account": "\(local.id)", "was": "\(state?.rawValue ?? "none")"]
        )
        try await reconcileOrders(of: local.id)
    }

    /// Gives the approval; returns the local record approved, with the update time of Google's copy
    /// after the approval. A notification decided from Google's copy before the approval may commit
    /// after this record: its copy is then older and changes nothing. With the stored time it would
    /// win and put the approval back to PENDING, and nothing at Google changes after that to correct
    /// it. (Not under the account's lock: a notification holding it may be retrying Google for
    /// minutes, and the buyer must not wait for that.)
    private func approvedRecord(_ account: AccountID) async throws -> LocalAccount {
        let approved = try await approveSignup(account)
        var record = try await store.account(account) ?? LocalAccount(id: account)
        record.signupApproval = .approved
        if let time = approved.updateTime, time > record.updateTime ?? .earliest { record.updateTime = time }
        return record
    }

    /// Gives the account's `signup` approval; returns Google's copy after it. Refused as in the
    /// wrong state (a second submit, an earlier attempt that crashed after the call) counts only if
    /// Google shows it approved.
    private func approveSignup(_ account: AccountID) async throws -> Account {
        do {
            try await procurement.approveAccount(account)
        } catch let error as GoogleAPIError where error.isFailedPrecondition {
            let copy = try await procurement.account(account)
            guard copy.signupApproval?.state == .approved else { throw error }
            logger.info("signup approval already given", metadata: ["account": "\(account)"])
            return copy
        }
        return try await procurement.account(account)
    }

    /// Orders placed before the sign-up (or its renewal) waited for it: decided again now.
    private func reconcileOrders(of account: AccountID) async throws {
        for try await entitlement in procurement.entitlements(filter: .account(account)) {
            guard let id = entitlement.id else { continue }
            // An order approved here is read again at once (see `recordedAfterSignupApproval`).
            try await processor.reconcile(
                id,
                trigger: .signupCompleted,
                auditKind: .signup,
                summary: "sign-up completed"
            )
        }
    }
}
