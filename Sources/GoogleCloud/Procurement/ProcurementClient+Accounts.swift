public import MarketplaceCore
import NIOHTTP1

/// How much of an account `accounts.get` returns (contract §3.1): FULL adds
/// `resellerParentBillingAccount`.
public enum AccountView: String, Sendable {
    case basic = "ACCOUNT_VIEW_BASIC"
    case full = "ACCOUNT_VIEW_FULL"
}

extension ProcurementClient {
    /// `accounts.get`. Idempotent.
    public func account(_ id: AccountID, view: AccountView? = nil) async throws -> Account {
        try await transport.call(
            .GET,
            url("accounts", id.rawValue, query: [("view", view?.rawValue)]),
            safety: .idempotent
        )
    }

    /// `accounts.list`, one page (default 25, at most 200). Idempotent.
    public func listAccounts(pageSize: Int? = nil, pageToken: String? = nil) async throws -> ListAccountsResponse {
        let query = [("pageSize", pageSize.map(String.init)), ("pageToken", pageToken)]
        return try await transport.call(.GET, url("accounts", query: query), safety: .idempotent)
    }

    /// Every account, page after page as the sequence is read.
    public func accounts(pageSize: Int? = nil) -> GooglePages<Account> {
        GooglePages { token in
            let page = try await listAccounts(pageSize: pageSize, pageToken: token)
            return (page.accounts ?? [], page.nextPageToken)
        }
    }

    /// `accounts.approve`, for the `signup` approval by default. Guarded by state: approving an
    /// approved account is refused, so a retry cannot approve twice.
    public func approveAccount(
        _ id: AccountID,
        approvalName: String = Approval.signupName,
        reason: String? = nil
    ) async throws {
        let body = ApproveAccountRequest(approvalName: approvalName, reason: reason)
        let _: EmptyResponse = try await transport.call(
            .POST,
            url("accounts", id.rawValue, verb: "approve"),
            body: body,
            safety: .guardedByState
        )
    }

    /// `accounts.reject`. Guarded by state.
    public func rejectAccount(
        _ id: AccountID,
        approvalName: String = Approval.signupName,
        reason: String? = nil
    ) async throws {
        let body = RejectAccountRequest(approvalName: approvalName, reason: reason)
        let _: EmptyResponse = try await transport.call(
            .POST,
            url("accounts", id.rawValue, verb: "reject"),
            body: body,
            safety: .guardedByState
        )
    }

    /// `accounts.reset`: back to pending approvals (testing only). Idempotent: resetting twice ends the same.
    public func resetAccount(_ id: AccountID) async throws {
        let _: EmptyResponse = try await transport.call(
            .POST,
            url("accounts", id.rawValue, verb: "reset"),
            body: ResetAccountRequest(),
            safety: .idempotent
        )
    }
}
