import Crypto
public import EntitleStore
public import Foundation
public import MarketplaceCore

/// Issues the one-time codes that hand a signed-up buyer to the vendor's app: 256 random bits,
/// kept only as their SHA-256, bound to one app, good for `lifetime` seconds and once.
public struct Handoffs: Sendable {
    let store: any Store
    /// The app (a key name of `usageAPIKeys`) the codes are for.
    public let app: String
    let lifetime: Int64

    public init(store: any Store, app: String, lifetimeSeconds: Int64) {
        self.store = store
        self.app = app
        self.lifetime = lifetimeSeconds
    }

    static func hash(_ code: String) -> String {
        SHA256.hash(data: Data(code.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// A new code for the buyer of `account`, linked to `customer`: `url` with `code=` added.
    public func issue(for account: AccountID, customer: String, to url: URL, at time: Timestamp) async throws -> URL {
        let code = SecretToken.random()
        try await store.createHandoff(
            Handoff(
                codeHash: Self.hash(code),
                app: app,
                accountID: account,
                customerID: customer,
                createdAt: time,
                expiresAt: time.adding(seconds: lifetime)
            )
        )
        return Self.adding(code: code, to: url)
    }

    /// `url` with `code=` added to its query.
    static func adding(code: String, to url: URL) -> URL {
        guard var components = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return url }
        components.queryItems = (components.queryItems ?? []) + [URLQueryItem(name: "code", value: code)]
        return components.url ?? url
    }
}
