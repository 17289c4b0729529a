import Foundation
import MarketplaceCore

/// `accounts.list` and `entitlements.list` with Google's paging (contract §3.1–§3.3).
extension EmulatorState {
    func listAccounts(pageSize: Int, pageToken: String?) throws(GoogleAPIError) -> ListAccountsResponse {
        let (slice, next) = try page(accountOrder, pageSize: pageSize, defaultSize: 25, maxSize: 200, token: pageToken)
        return ListAccountsResponse(accounts: slice.compactMap { accounts[$0]?.resource }, nextPageToken: next)
    }

    func listEntitlements(
        filter: EntitlementFilter,
        pageSize: Int,
        pageToken: String?
    ) throws(GoogleAPIError) -> ListEntitlementsResponse {
        let matching = entitlementOrder.filter { id in
            entitlements[id].map { filter.matches($0, billingAccount: nil) } ?? false
        }
        let (slice, next) = try page(matching, pageSize: pageSize, defaultSize: 200, maxSize: 1000, token: pageToken)
        return ListEntitlementsResponse(
            entitlements: slice.compactMap { entitlements[$0]?.resource },
            nextPageToken: next
        )
    }

    /// Tokens are opaque to clients: the creation number of the last item served, base64url.
    /// Creation numbers never change, so a purge between two pages skips nothing.
    private func page(
        _ ids: [String],
        pageSize: Int,
        defaultSize: Int,
        maxSize: Int,
        token: String?
    ) throws(GoogleAPIError) -> ([String], String?) {
        let size = pageSize == 0 ? defaultSize : min(pageSize, maxSize)
        var start = 0
        if let token, !token.isEmpty {
            let base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8),
                text.hasPrefix("after:"),
                let previous = Int(text.dropFirst("after:".count))
            else { throw .invalidArgument("Invalid page token.") }
            start = ids.firstIndex { (creationNumbers[$0] ?? 0) > previous } ?? ids.count
        }
        let end = min(start + size, ids.count)
        let slice = Array(ids[start..<end])
        guard end < ids.count, let last = slice.last else { return (slice, nil) }
        let next = Data("after:\(creationNumbers[last] ?? 0)".utf8).base64EncodedString()
        return (slice, next.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_"))
    }
}
