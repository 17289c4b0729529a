import Crypto
public import EntitleStore
public import Foundation
public import MarketplaceCore

/// Issues the one-time codes that hand a signed-up buyer to the vendor's app: 256 random bits,
/// kept only as their SHA-256, bound to one app and to the app session that asked (its S256
/// challenge), good for `lifetime` seconds and once.
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

    public static func hash(_ code: String) -> String {
        SHA256.hash(data: Data(code.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// A new code for the buyer of `account`, linked to `customer`, for the app session whose
    /// verifier has `challenge`: `url` with `code=` added.
    public func issue(
        for account: AccountID,
        customer: String,
        person: MarketplacePerson?,
        challenge: String,
        to url: URL,
        at time: Timestamp
    ) async throws -> URL {
        let code = SecretToken.random()
        try await store.createHandoff(
            Handoff(
                codeHash: Self.hash(code),
                app: app,
                accountID: account,
                customerID: customer,
                createdAt: time,
                expiresAt: time.adding(seconds: lifetime),
                challenge: challenge,
                person: person
            )
        )
        return Self.adding(code: code, to: url)
    }

    /// RFC 7636's S256: base64url without padding of the verifier's SHA-256.
    public static func challenge(verifier: String) -> String {
        Data(SHA256.hash(data: Data(verifier.utf8))).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// 43 base64url characters: what S256 gives.
    static func isChallenge(_ text: String) -> Bool {
        text.utf8.count == 43
            && text.unicodeScalars.allSatisfy {
                ("A"..."Z").contains($0) || ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-"
                    || $0 == "_"
            }
    }

    /// RFC 7636's verifier: 43 to 128 of `A-Z a-z 0-9 - . _ ~`.
    static func isVerifier(_ text: String) -> Bool {
        (43...128).contains(text.utf8.count)
            && text.unicodeScalars.allSatisfy {
                ("A"..."Z").contains($0) || ("a"..."z").contains($0) || ("0"..."9").contains($0)
                    || "-._~".unicodeScalars.contains($0)
            }
    }

    /// `url` with `code=` added to its query.
    static func adding(code: String, to url: URL) -> URL {
        guard var components = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return url }
        components.queryItems = (components.queryItems ?? []) + [URLQueryItem(name: "code", value: code)]
        return components.url ?? url
    }
}
