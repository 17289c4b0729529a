public import EntitleStore
public import Hummingbird
import NIOCore

/// `/healthz`: the process answers. `/readyz`: it can reach its store, so a load balancer sends
/// traffic only to replicas that can do work.
public struct HealthController: Sendable {
    let store: any Store

    public init(store: any Store) {
        self.store = store
    }

    public func register<Context: RequestContext>(on router: Router<Context>) {
        router.get("healthz") { _, _ in "ok\n" }
        router.get("readyz") { _, _ in
            do {
                _ = try await store.isProcessed(eventID: "readiness-probe")
                return Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: "ready\n")))
            } catch {
                return Response(status: .serviceUnavailable, body: ResponseBody(byteBuffer: ByteBuffer(string: "store unavailable: \(error)\n")))
            }
        }
    }
}
