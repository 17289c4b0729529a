import CoreMetrics
import Foundation
public import GoogleCloud
public import MarketplaceCore
import Prometheus
import Synchronization

/// Entitle's metrics, recorded through swift-metrics into a Prometheus registry of this server's
/// own (not the process-wide `MetricsSystem`: tests and an embedding app run several servers in one
/// process, and each `/metrics` shows its own). Recording is a lock-free atomic for counters and a
/// short lock for histograms, never a wait on I/O. docs/operations.md lists every name.
public final class EntitleMetrics: Sendable {
    /// Prometheus names, in one place so README and tests agree with the code.
    public enum Name {
        public static let notifications = "entitle_notifications_total"
        public static let notificationLag = "entitle_notification_lag_seconds"
        public static let notificationHandling = "entitle_notification_handling_seconds"
        public static let purchaseToActive = "entitle_purchase_to_active_seconds"
        public static let googleRequests = "entitle_google_requests_total"
        public static let googleRequestDuration = "entitle_google_request_duration_seconds"
        public static let googleRetries = "entitle_google_retries_total"
        public static let callbackDeliveries = "entitle_callback_deliveries_total"
        public static let callbackLatency = "entitle_callback_delivery_latency_seconds"
        public static let usageRecords = "entitle_usage_records_total"
        public static let usagePassDuration = "entitle_usage_pass_duration_seconds"
        public static let usageOperationsSent = "entitle_usage_operations_sent_total"
        public static let resyncRepairs = "entitle_resync_repairs_total"
        public static let httpRequests = "entitle_http_requests_total"
        public static let httpRequestDuration = "entitle_http_request_duration_seconds"
        public static let authFailures = "entitle_auth_failures_total"
        public static let authThrottled = "entitle_auth_throttled_total"
        public static let signupsRefused = "entitle_signups_refused_total"
        // Gauges, read from the store when scraped.
        public static let entitlements = "entitle_entitlements"
        public static let callbacks = "entitle_callbacks"
        public static let usageOperations = "entitle_usage_operations"
        public static let usageBlockedEntitlements = "entitle_usage_blocked_entitlements"
        public static let usageReportingBlocked = "entitle_usage_reporting_blocked"
        public static let deadLetters = "entitle_dead_letters"
        public static let poisonMessages = "entitle_poison_messages"
        public static let leader = "entitle_leader"
    }

    private struct Key: Hashable {
        var kind: ObjectIdentifier
        var name: String
        var dimensions: [String]
    }

    private let registry: PrometheusCollectorRegistry?
    private let factory: any MetricsFactory
    /// swift-metrics handles by kind, name and labels: made once, then only looked up.
    private let handles = Mutex<[Key: any AnyObject & Sendable]>([:])

    /// - Parameter enabled: false records nothing (swift-metrics' no-op handlers) and exposes nothing.
    public init(enabled: Bool = true) {
        guard enabled else {
            registry = nil
            factory = NOOPMetricsHandler.instance
            return
        }
        let registry = PrometheusCollectorRegistry()
        var prometheus = PrometheusMetricsFactory(registry: registry)
        // Beyond the default 5 ms–10 s: Pub/Sub redelivery makes lag minutes long, and a buyer
        // takes minutes or days between purchase and sign-up.
        let long: [Duration] = [
            .milliseconds(10), .milliseconds(50), .milliseconds(250), .seconds(1), .seconds(5), .seconds(30),
            .seconds(120), .seconds(600),
        ]
        prometheus.durationHistogramBuckets[Name.notificationLag] = long
        prometheus.durationHistogramBuckets[Name.callbackLatency] = long
        prometheus.durationHistogramBuckets[Name.usagePassDuration] = [
            .seconds(1), .seconds(10), .seconds(60), .seconds(300), .seconds(1800),
        ]
        prometheus.durationHistogramBuckets[Name.purchaseToActive] = [
            .seconds(5), .seconds(30), .seconds(120), .seconds(600), .seconds(3600), .seconds(6 * 3600),
            .seconds(86_400), .seconds(7 * 86_400),
        ]
        self.registry = registry
        factory = prometheus
    }

    public var isEnabled: Bool { registry != nil }

    public func increment(_ name: String, _ dimensions: [(String, String)] = [], by amount: Int = 1) {
        handle(name, dimensions) { CoreMetrics.Counter(label: $0, dimensions: $1, factory: $2) }.increment(by: amount)
    }

    public func record(_ name: String, _ dimensions: [(String, String)] = [], _ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        handle(name, dimensions) { CoreMetrics.Timer(label: $0, dimensions: $1, factory: $2) }
            .recordNanoseconds(max(0, seconds * 1_000_000_000 + attoseconds / 1_000_000_000))
    }

    public func set(_ name: String, _ dimensions: [(String, String)] = [], _ value: Double) {
        handle(name, dimensions) { CoreMetrics.Gauge(label: $0, dimensions: $1, factory: $2) }.record(value)
    }

    private func handle<Handle: AnyObject & Sendable>(
        _ name: String,
        _ dimensions: [(String, String)],
        make: (String, [(String, String)], any MetricsFactory) -> Handle
    ) -> Handle {
        let key = Key(kind: ObjectIdentifier(Handle.self), name: name, dimensions: dimensions.flatMap { [$0.0, $0.1] })
        return handles.withLock { cache in
            if let found = cache[key] as? Handle { return found }
            let made = make(name, dimensions, factory)
            cache[key] = made
            return made
        }
    }

    /// From one timestamp to a later one (negative when clocks disagree; recorded as 0).
    public static func duration(from start: Timestamp, to end: Timestamp) -> Duration {
        .seconds(end.seconds - start.seconds) + .nanoseconds(Int64(end.nanos) - Int64(start.nanos))
    }

    /// Records one attempt at a Google API (the transport's observer).
    public func recordGoogleCall(_ call: GoogleCall) {
        let code = call.status.map(String.init) ?? "none"
        increment(Name.googleRequests, [("api", call.api), ("method", call.method), ("code", code)])
        record(Name.googleRequestDuration, [("api", call.api), ("method", call.method)], call.duration)
        if call.attempt > 1 { increment(Name.googleRetries, [("api", call.api), ("method", call.method)]) }
    }

    /// The Prometheus text exposition of everything recorded; nil when disabled.
    public func exposition() -> String? {
        registry?.emitToString()
    }
}
