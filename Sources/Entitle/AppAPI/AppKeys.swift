/// The vendor's apps and their API keys (`usageAPIKeys`: name → key), for everything under `/v1`:
/// usage, hand-offs and the app API. Keys are compared in constant time, every key each time,
/// so the time taken says nothing about which key was close.
public struct AppKeys: Sendable {
    let keys: [String: String]

    public init(_ keys: [String: String]) {
        self.keys = keys
    }

    /// The app whose key `header` (`Authorization: Bearer <key>`) carries; nil for none.
    public func app(for header: String?) -> String? {
        guard let header, header.hasPrefix("Bearer ") else { return nil }
        let presented = String(header.dropFirst("Bearer ".count))
        var found: String?
        for (app, key) in keys.sorted(by: { $0.key < $1.key }) where SignupFlow.constantTimeEquals(presented, key) { found = found ?? app }
        return found
    }
}
