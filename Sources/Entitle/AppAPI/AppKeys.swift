import Hummingbird

/// The vendor's apps and their API keys (`usageAPIKeys`: name → keys and what they may do), for
/// everything under `/v1`: usage, hand-offs and the app API. Keys are compared in constant time,
/// every key each time, so the time taken says nothing about which key was close.
public struct AppKeys: Sendable {
    let apps: [(name: String, access: AppAccess)]

    public init(_ apps: [String: AppAccess]) {
        self.apps = apps.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// The app whose key the request carries (`Authorization: Bearer <key>`), with what it may do;
    /// nil for none.
    func app(for request: Request) -> (name: String, access: AppAccess)? {
        guard let presented = BearerToken.presented(request) else { return nil }
        var found: (name: String, access: AppAccess)?
        for app in apps {
            for key in app.access.keys where SecretToken.equal(presented, key) { found = found ?? app }
        }
        return found
    }

    /// The answer to a caller without an app key.
    static func required() -> APIProblem {
        BearerToken.required("an app key is required (Authorization: Bearer <key>)")
    }
}
