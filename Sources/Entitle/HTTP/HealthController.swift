public import EntitleStore
import Foundation
public import Hummingbird
import NIOCore

/// `/healthz`: the process answers (liveness), with its version. `/readyz`: it can do its work:
/// its store answers and nothing it depends on is refused (a subscription that cannot be pulled:
/// 404, 403, 400), so a load balancer sends traffic only to replicas that can work. 503 says why.
public struct HealthController: Sendable {
    let store: any Store
    let readiness: Readiness

    public init(store: any Store, readiness: Readiness = Readiness()) {
        self.store = store
        self.readiness = readiness
    }

    struct Health: Encodable {
        var status: String
        var version: String
        var problems: [String: String]?
        var requestId: String?
    }

    public func register<Context: RequestContext>(on router: Router<Context>) {
        router.get("healthz") { _, _ in try JSONReply.make(Health(status: "ok", version: EntitleVersion.current)) }
        router.get("readyz") { _, context in
            var problems = readiness.current
            do { _ = try await store.isProcessed(eventID: "readiness-probe") } catch {
                problems["store"] = "unreachable: \(error)"
            }
            guard problems.isEmpty else {
                return try JSONReply.make(
                    Health(status: "not ready", version: EntitleVersion.current, problems: problems),
                    status: .serviceUnavailable
                )
            }
            return try JSONReply.make(Health(status: "ready", version: EntitleVersion.current))
        }
    }
}
