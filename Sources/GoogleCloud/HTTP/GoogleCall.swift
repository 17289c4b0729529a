public import Foundation

/// One HTTP attempt at a Google API, as an observer (metrics) sees it: which API and method,
/// how it ended, how long it took, and whether it was a retry.
public struct GoogleCall: Sendable, Hashable {
    /// `procurement`, `pubsub`, `servicecontrol`, or `other`.
    public var api: String
    /// The REST method in discovery-document style: `entitlements.approve`, `subscriptions.pull`.
    public var method: String
    /// The HTTP status; nil when no answer came (a timeout, a refused connection).
    public var status: Int?
    public var duration: Duration
    /// 1 for the first attempt; more for retries.
    public var attempt: Int

    public init(api: String, method: String, status: Int?, duration: Duration, attempt: Int) {
        self.api = api
        self.method = method
        self.status = status
        self.duration = duration
        self.attempt = attempt
    }

    /// Names a call from its HTTP method and URL, with few distinct values (ids never appear):
    /// the last collection in the path, then the custom verb after `:` or what the HTTP method
    /// means for a resource (`get` of one, `list` of a collection, `create` by PUT, `patch`, `delete`).
    public static func name(_ httpMethod: String, _ url: URL) -> (api: String, method: String) {
        var segments = url.path.split(separator: "/").map(String.init)
        if let version = segments.firstIndex(where: { $0.hasPrefix("v") && Int($0.dropFirst()) != nil }) {
            segments.removeFirst(version + 1)
        } else {
            return ("other", httpMethod.lowercased())
        }
        var verb: String?
        if let last = segments.last, let colon = last.firstIndex(of: ":") {
            verb = String(last[last.index(after: colon)...])
            segments[segments.count - 1] = String(last[..<colon])
        }
        let api: String
        switch segments.first {
        case "providers": api = "procurement"
        case "projects": api = "pubsub"
        case "services": api = "servicecontrol"
        default: api = "other"
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
        return (api, "\(collection).\(action)")
    }
}

/// Told of every attempt; called on the request's task, so it must not block.
public typealias GoogleCallObserver = @Sendable (GoogleCall) -> Void
