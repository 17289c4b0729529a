/// A call to one of Google's REST APIs named as its discovery document names the method
/// (`entitlements.approve`, `subscriptions.pull`), with few distinct values (ids never appear).
/// Entitle's metrics label its calls with it, and the emulator's fault rules match on it, so one
/// name means the same call on both sides.
public struct GoogleMethodName: Hashable, Sendable, CustomStringConvertible {
    /// `procurement`, `pubsub`, `servicecontrol`, or `other`.
    public var api: String
    /// The last collection in the path, then the custom verb after `:` or what the HTTP method
    /// means for a resource (`get` of one, `list` of a collection, `create` by PUT, `patch`, `delete`).
    public var method: String

    public init(api: String, method: String) {
        self.api = api
        self.method = method
    }

    /// - Parameters:
    ///   - httpMethod: `GET`, `POST`, … (any case).
    ///   - path: the URL's path, without the query: `/v1/providers/P/entitlements/E:approve`.
    public init(httpMethod: String, path: String) {
        var segments = path.split(separator: "/").map(String.init)
        guard let version = segments.firstIndex(where: { $0.hasPrefix("v") && Int($0.dropFirst()) != nil }) else {
            self.init(api: "other", method: httpMethod.lowercased())
            return
        }
        segments.removeFirst(version + 1)
        var verb: String?
        if let last = segments.last, let colon = last.firstIndex(of: ":") {
            verb = String(last[last.index(after: colon)...])
            segments[segments.count - 1] = String(last[..<colon])
        }
        let api =
            switch segments.first {
            case "providers": "procurement"
            case "projects": "pubsub"
            case "services": "servicecontrol"
            default: "other"
            }
        // Collections stand at even positions: providers/P/entitlements/E.
        let endsWithID = segments.count % 2 == 0
        let collection = segments.enumerated().last { $0.offset % 2 == 0 }?.element ?? "root"
        let action: String
        if let verb {
            action = verb
        } else {
            switch httpMethod.uppercased() {
            case "GET": action = endsWithID ? "get" : "list"
            case "PUT": action = "create"
            case "POST": action = endsWithID ? "post" : "create"
            default: action = httpMethod.lowercased()
            }
        }
        self.init(api: api, method: "\(collection).\(action)")
    }

    public var description: String { "\(api) \(method)" }
}
