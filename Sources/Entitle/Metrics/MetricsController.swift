public import EntitleStore
import Foundation
public import Hummingbird
import NIOCore
import Synchronization

/// `GET /metrics`: the Prometheus text exposition. Counters and histograms are recorded as things
/// happen; the gauges of what stands in the store (entitlements by state, the outbox, the ledger,
/// blocked usage, dead letters) are read from it, one query over index ranges, at most every few
/// seconds (`StoreGaugeCache`), so that every replica reports the shared truth. `entitle_leader` is
/// this replica's own. Who may scrape: the holder of `metricsToken`; without one, anyone when asked
/// for (`metricsPublic`) or when Entitle listens on loopback only; otherwise nobody (403 saying so).
public struct MetricsController: Sendable {
    /// Who may scrape.
    public enum Access: Sendable, Equatable {
        case token(String)
        case open
        case closed

        /// The holder of `metricsToken`; without one, anyone when `metricsPublic` says so or when
        /// Entitle listens on loopback only (nobody else can reach it); otherwise nobody.
        public init(_ configuration: EntitleConfiguration) {
            if let token = configuration.metricsToken {
                self = .token(token)
            } else {
                self = configuration.metricsPublic || configuration.listensOnLoopbackOnly ? .open : .closed
            }
        }
    }

    let metrics: EntitleMetrics
    let gauges: StoreGaugeCache
    let leadership: any LeaderElection
    let access: Access
    let throttle: AuthThrottle?
    /// Every gauge label set seen, so one whose rows are gone reads 0 rather than its last value.
    private let seen = SeenGauges()

    public init(
        metrics: EntitleMetrics,
        store: any Store,
        leadership: any LeaderElection,
        access: Access,
        throttle: AuthThrottle? = nil,
        gaugeAge: Duration = .seconds(5)
    ) {
        self.metrics = metrics
        self.gauges = StoreGaugeCache(store: store, maxAge: gaugeAge)
        self.leadership = leadership
        self.access = access
        self.throttle = throttle
    }

    public func register<Context: RequestContext>(on router: Router<Context>) {
        switch access {
        case .token(let token):
            let credential = BearerTokenMiddleware<Context>(
                tokens: [token],
                required: "a metrics bearer token is required",
                credential: "metrics",
                throttle: throttle
            )
            router.group().add(middleware: credential).get("metrics") { request, _ in try await scrape(request) }
        case .open:
            router.get("metrics") { request, _ in try await scrape(request) }
        case .closed:
            router.get("metrics") { _, _ -> Response in
                throw APIProblem(
                    .forbidden,
                    "/metrics is closed: Entitle listens beyond loopback and no metricsToken is set "
                        + "(set metricsToken, or metricsPublic to serve it to anyone)"
                )
            }
        }
    }

    func scrape(_ request: Request) async throws -> Response {
        var status = HTTPResponse.Status.ok
        do {
            record(try await gauges.counts())
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
