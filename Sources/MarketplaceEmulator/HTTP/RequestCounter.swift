import Foundation
import Hummingbird
import MarketplaceCore
import Synchronization

/// Counts the calls made to Google's APIs by kind (`pubsub.subscriptions.acknowledge`, `procurement.entitlements.get`,
/// …), so a test or a benchmark can say how many requests a notification costs
/// (`GET /emulator/v1/requests`; `DELETE` starts over).
final class RequestCounter: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    func count(_ kind: String) { counts.withLock { $0[kind, default: 0] += 1 } }
    var snapshot: [String: Int] { counts.withLock { $0 } }
    func reset() { counts.withLock { $0 = [:] } }

    /// The kind of a call to one of Google's APIs, `api.collection.verb` as Entitle's metrics and
    /// the fault rules name it (`GoogleMethodName`); nil for the emulator's own paths.
    static func kind(method: String, path: String) -> String? {
        let name = GoogleMethodName(httpMethod: method, path: path)
        return name.api == "other" ? nil : "\(name.api).\(name.method)"
    }
}

struct RequestCountingMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let counter: RequestCounter

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        if let kind = RequestCounter.kind(method: request.method.rawValue, path: request.uri.path) {
            counter.count(kind)
        }
        return try await next(request, context)
    }
}
