public import EntitleStore
import Foundation
public import Hummingbird
import NIOCore

/// `/healthz`: the process answers (liveness), with its version. `/readyz`: it can do its work:
/// its store answers within a second and nothing it depends on is refused (a subscription that cannot be pulled:
/// 404, 403, 400), so a load balancer sends traffic only to replicas that can work. 503 says why,
/// but only to the holder of the admin token: the subscription's name and Google's error text are
/// nobody else's business, so anyone else learns ready or not.
public struct HealthController: Sendable {
    let store: any Store
    let readiness: Readiness
    /// Who sees why Entitle is not ready.
    let adminTokens: [String]

    /// A load balancer's probe waits a second or two: the answer comes before, 503 when the
    /// store did not answer in time.
    static var storeProbeTimeout: Duration { .milliseconds(900) }

    public init(store: any Store, readiness: Readiness = Readiness(), adminTokens: [String] = []) {
        self.store = store
        self.readiness = readiness
        self.adminTokens = adminTokens
    }

    struct Health: Encodable {
        var status: String
        var version: String?
        var problems: [String: String]?
        var requestId: String?
    }

    public func register<Context: RequestContext>(on router: Router<Context>) {
        router.get("healthz") { _, _ in try JSONReply.make(Health(status: "ok", version: EntitleVersion.current)) }
        router.get("readyz") { request, _ in
            var problems = readiness.current
            do { try await store.probe(within: Self.storeProbeTimeout) } catch {
                problems["store"] = "unreachable: \(error)"
            }
            let admin = !adminTokens.isEmpty && BearerToken.matches(request, any: adminTokens)
            let version = admin ? EntitleVersion.current : nil
            guard problems.isEmpty else {
                return try JSONReply.make(
                    Health(status: "not ready", version: version, problems: admin ? problems : nil),
                    status: .serviceUnavailable
                )
            }
            return try JSONReply.make(Health(status: "ready", version: version))
        }
    }
}
