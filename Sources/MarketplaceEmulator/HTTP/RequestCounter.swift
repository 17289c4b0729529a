import Foundation
import Hummingbird
import Synchronization

/// Counts the calls made to Google's APIs by kind (`pubsub.acknowledge`, `procurement.entitlements.get`,
/// …), so a test or a benchmark can say how many requests a notification costs
/// (`GET /emulator/v1/requests`; `DELETE` starts over).
final class RequestCounter: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    func count(_ kind: String) { counts.withLock { $0[kind, default: 0] += 1 } }
    var snapshot: [String: Int] { counts.withLock { $0 } }
    func reset() { counts.withLock { $0 = [:] } }

    /// The kind of a call to one of Google's APIs; nil for the emulator's own paths.
    static func kind(method: String, path: String) -> String? {
        let parts = path.split(separator: "/").map(String.init)
        guard parts.first == "v1", parts.count >= 2 else { return nil }
        let last = parts.last ?? ""
        let verb = last.contains(":") ? String(last[last.index(after: last.lastIndex(of: ":")!)...]) : nil
        switch parts[1] {
        case "projects" where parts.count >= 4:
            return "pubsub." + (verb ?? "\(parts[3]).\(method.lowercased())")
        case "providers" where parts.count >= 4:
            return "procurement.\(parts[3])." + (verb ?? method.lowercased())
        case "services":
            return "servicecontrol." + (verb ?? method.lowercased())
        default:
            return nil
        }
    }
}

struct RequestCountingMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let counter: RequestCounter

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let kind = RequestCounter.kind(method: request.method.rawValue, path: request.uri.path) { counter.count(kind) }
        return try await next(request, context)
    }
}
