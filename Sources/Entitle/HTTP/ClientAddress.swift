import Foundation
import HTTPTypes
public import Hummingbird
import MarketplaceCore

/// The address a request comes from, which throttling and rate limits key on: the peer's, or behind
/// `forwardedHops` proxies the entry they appended for it. The last entries of `X-Forwarded-For` are
/// the proxies' own doing; earlier ones the client may have written itself, so they are not read.
public struct ClientAddress: Sendable {
    public var forwardedHops: Int

    public init(forwardedHops: Int = 0) {
        self.forwardedHops = forwardedHops
    }

    public func of(_ request: Request, _ context: some RequestContext) -> String {
        let address = (context as? any RemoteAddressRequestContext)?.remoteAddress
        return of(request, peer: address?.ipAddress ?? address?.pathname)
    }

    func of(_ request: Request, peer: String?) -> String {
        if forwardedHops > 0, let header = request.headers[HTTPField.Name("X-Forwarded-For")!] {
            let entries = header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            if entries.count >= forwardedHops { return entries[entries.count - forwardedHops].bounded(64) }
        }
        return peer ?? "unknown"
    }
}
