public import EntitleStore
import Foundation
public import Hummingbird
import NIOCore
import Synchronization

/// `GET /metrics`: the Prometheus text exposition. Counters and histograms are recorded as things
/// happen; the gauges of what stands in the store (entitlements by state, the outbox, the ledger,
/// blocked usage, dead letters) are read from it at each scrape, one indexed query, so that every
/// replica reports the shared truth. `entitle_leader` is this replica's own.
public struct MetricsController: Sendable {
    let metrics: EntitleMetrics
    let store: any Store
    let leadership: any LeaderElection
    /// When set, a scrape must carry `Authorization: Bearer <token>`.
    let token: String?
    /// Every gauge label set seen, so one whose rows are gone reads 0 rather than its last value.
    private let seen = SeenGauges()

    public init(metrics: EntitleMetrics, store: any Store, leadership: any LeaderElection, token: String?) {
        self.metrics = metrics
        self.store = store
        self.leadership = leadership
        self.token = token
    }

    public func register<Context: RequestContext>(on router: Router<Context>) {
        if let token {
            let required = "a metrics bearer token is required"
            let credential = BearerTokenMiddleware<Context>(token: token, required: required)
            router.group().add(middleware: credential).get("metrics") { request, _ in try await scrape(request) }
        } else {
            router.get("metrics") { request, _ in try await scrape(request) }
        }
    }

    func scrape(_ request: Request) async throws -> Response {
        var status = HTTPResponse.Status.ok
        do {
            record(try await store.counts())
        } catch {
            // The counters still say what happened; the gauges keep their last values.
            status = .serviceUnavailable
        }
        metrics.set(EntitleMetrics.Name.leader, [], leadership.isLeader ? 1 : 0)
        var response = Response(
            status: status,
            body: ResponseBody(byteBuffer: ByteBuffer(string: metrics.exposition() ?? ""))
        )
        response.headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        response.headers[.cacheControl] = "no-store"
        return response
    }

    private func record(_ counts: StoreCounts) {
        typealias Name = EntitleMetrics.Name
        for (name, label, values) in [
            (Name.entitlements, "state", counts.entitlements), (Name.callbacks, "status", counts.callbacks),
            (Name.usageOperations, "status", counts.usageOperations),
        ] {
            for key in seen.union(name, Set(values.keys)) {
                metrics.set(name, [(label, key)], Double(values[key] ?? 0))
            }
        }
        metrics.set(Name.usageBlockedEntitlements, [], Double(counts.usageBlockedEntitlements))
        metrics.set(Name.usageReportingBlocked, [], counts.usageReportingBlocked ? 1 : 0)
        metrics.set(Name.deadLetters, [], Double(counts.deadLetters))
        metrics.set(Name.poisonMessages, [], Double(counts.poisonMessages))
    }
}

final class SeenGauges: Sendable {
    private let keys = Mutex<[String: Set<String>]>([:])

    func union(_ name: String, _ current: Set<String>) -> Set<String> {
        keys.withLock { all in
            all[name, default: []].formUnion(current)
            return all[name]!
        }
    }
}
