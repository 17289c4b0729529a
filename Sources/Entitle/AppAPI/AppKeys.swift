import Hummingbird

/// The vendor's apps and their API keys (`usageAPIKeys`: name → key), for everything under `/v1`:
/// usage, hand-offs and the app API. Keys are compared in constant time, every key each time,
/// so the time taken says nothing about which key was close.
public struct AppKeys: Sendable {
    let keys: [String: String]

    public init(_ keys: [String: String]) {
        self.keys = keys
    }

    /// The app whose key the request carries (`Authorization: Bearer <key>`); nil for none.
    func app(for request: Request) -> String? {
        guard let presented = BearerToken.presented(request) else { return nil }
        var found: String?
        for (app, key) in keys.sorted(by: { $0.key < $1.key }) where SecretToken.equal(presented, key) {
            found = found ?? app
        }
        return found
    }

    /// The answer to a caller without an app key.
    static func required() -> APIProblem {
        BearerToken.required("an app key is required (Authorization: Bearer <key>)")
    }
}
