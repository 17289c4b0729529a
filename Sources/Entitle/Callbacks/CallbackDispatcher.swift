public import AsyncHTTPClient
public import EntitleStore
public import Foundation
public import Logging
public import MarketplaceCore
import NIOCore
import NIOHTTP1
public import ServiceLifecycle

/// Delivers the outbox to the vendor's webhook: each callback POSTed as JSON, signed
/// (`CallbackSigner`), with `Entitle-Callback-Id` (stable: the receiver deduplicates on it) and
/// `Entitle-Callback-Type`. A 2xx marks it delivered; anything else is tried again on the
/// `CallbackRetrySchedule`. Delivery is at least once: a crash between the POST and the mark sends
/// the same id again. In order per subject: the store hands out only each entitlement's (or
/// account's) first pending callback, so the next waits until the one before is delivered or given
/// up. An outcome the store cannot record is retried in place, never answered by sending again.
public struct CallbackDispatcher: Service {
    public struct Settings: Sendable {
        public var webhookURL: URL
        public var concurrency: Int
        public var requestTimeout: Duration
        public var pollInterval: Duration
        public var schedule: CallbackRetrySchedule
        /// This replica's name on its claims.
        public var claimant: String
        /// How long a claim lasts: longer than a delivery takes (`requestTimeout`), short enough that
        /// another replica takes over soon after this one dies.
        public var claimSeconds: Int64

        public init(
            webhookURL: URL,
            concurrency: Int = 4,
            requestTimeout: Duration = .seconds(10),
            pollInterval: Duration = .milliseconds(500),
            schedule: CallbackRetrySchedule = CallbackRetrySchedule(),
            claimant: String = "entitle",
            claimSeconds: Int64 = 60
        ) {
            self.webhookURL = webhookURL
            self.concurrency = concurrency
            self.requestTimeout = requestTimeout
            self.pollInterval = pollInterval
            self.schedule = schedule
            self.claimant = claimant
            self.claimSeconds = claimSeconds
        }
    }

    let store: any Store
    let signer: CallbackSigner
    let settings: Settings
    let httpClient: HTTPClient
    let logger: Logger
    let metrics: EntitleMetrics
    let attention: AttentionQueue?
    let now: @Sendable () -> Timestamp

    public init(
        store: any Store,
        signer: CallbackSigner,
        settings: Settings,
        httpClient: HTTPClient = .shared,
        logger: Logger = Logger(label: "entitle.callbacks"),
        metrics: EntitleMetrics = EntitleMetrics(enabled: false),
        attention: AttentionQueue? = nil,
        now: @escaping @Sendable () -> Timestamp = { Timestamp(Date()) }
    ) {
        self.store = store
        self.signer = signer
        self.settings = settings
        self.httpClient = httpClient
        self.logger = logger
        self.metrics = metrics
        self.attention = attention
        self.now = now
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            let due: [OutboxItem]
            do {
                due = try await store.claimCallbacks(
                    now: now(),
                    limit: settings.concurrency * 4,
                    leaseSeconds: settings.claimSeconds,
                    claimant: settings.claimant
                )
            } catch {
                logger.error("cannot read the outbox", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: settings.pollInterval)
                continue
            }
            if due.isEmpty {
                try? await cancelWhenGracefulShutdown { [settings] in try await Task.sleep(for: settings.pollInterval) }
                continue
            }
            // One callback per subject in `due`: `concurrency` at a time, each task taking every
            // n-th. The next round starts at once, for each subject's next callback.
            await withDiscardingTaskGroup { group in
                for lane in 0..<max(1, settings.concurrency) {
                    group.addTask {
                        for item in due.enumerated().filter({ $0.offset % max(1, settings.concurrency) == lane }).map(
                            \.element
                        ) {
                            await deliver(item)
                        }
                    }
                }
            }
        }
    }

    /// Writes a delivery's outcome, trying again (100 ms doubling to 5 s) while the store fails:
    /// until it is written the callback stays pending, and its subject's later callbacks wait.
    /// Only a shutdown gives up; the callback is then sent again after the restart (same id).
    private func record(_ outcome: String, of item: OutboxItem, _ write: () async throws -> Void) async {
        var wait = Duration.milliseconds(100)
        var failures = 0
        while true {
            do {
                try await write()
                if failures > 0 {
                    logger.notice(
                        "callback outcome recorded after \(failures) failures",
                        metadata: ["id": "\(item.id)"]
                    )
                }
                return
            } catch {
                failures += 1
                logger.error(
                    "callback \(outcome), but the store cannot record it; trying again (it is not sent again meanwhile)",
                    metadata: ["id": "\(item.id)", "error": "\(error)", "failures": "\(failures)"]
                )
                if Task.isShuttingDownGracefully || Task.isCancelled { return }
                try? await Task.sleep(for: wait)
                wait = min(wait * 2, .seconds(5))
            }
        }
    }

    /// One attempt; the outcome is written to the store.
    public func deliver(_ item: OutboxItem) async {
        await LogContext.with(["callbackId": "\(item.id)", "subject": "\(item.subject)"]) { await attempt(item) }
    }

    private func attempt(_ item: OutboxItem) async {
        let body = Data(item.body.utf8)
        var request = HTTPClientRequest(url: settings.webhookURL.absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "entitle")
        request.headers.add(name: "Entitle-Callback-Id", value: item.id)
        request.headers.add(name: "Entitle-Callback-Type", value: item.kind.rawValue)
        request.headers.add(
            name: CallbackSigner.header,
            value: signer.signature(body: body, timestamp: Int(now().seconds))
        )
        request.body = .bytes(ByteBuffer(bytes: body))
        var failure: String
        do {
            let (seconds, attoseconds) = settings.requestTimeout.components
            let response = try await httpClient.execute(
                request,
                timeout: .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
            )
            _ = try? await response.body.collect(upTo: 64 * 1024)
            if (200..<300).contains(response.status.code) {
                let delivered = now()
                metrics.increment(
                    EntitleMetrics.Name.callbackDeliveries,
                    [("type", item.kind.rawValue), ("outcome", "delivered")]
                )
                metrics.record(
                    EntitleMetrics.Name.callbackLatency,
                    [],
                    EntitleMetrics.duration(from: item.createdAt, to: delivered)
                )
                await record("delivered", of: item) {
                    try await store.markCallbackDelivered(id: item.id, at: delivered)
                }
                return
            }
            failure = "HTTP \(response.status.code)"
        } catch {
            failure = "\(error)"
        }
        let next = settings.schedule.nextAttempt(afterAttempts: item.attempts + 1, queuedAt: item.queuedAt, now: now())
        metrics.increment(
            EntitleMetrics.Name.callbackDeliveries,
            [("type", item.kind.rawValue), ("outcome", next == nil ? "given_up" : "failed")]
        )
        logger.warning(
            next == nil ? "callback given up" : "callback failed",
            metadata: [
                "id": "\(item.id)", "type": "\(item.kind.rawValue)", "error": "\(failure)",
                "attempts": "\(item.attempts + 1)",
            ]
        )
        await record("failed", of: item) {
            try await store.markCallbackFailed(id: item.id, error: failure, nextAttemptAt: next)
        }
        if next == nil {
            attention?.notify(
                .callbackGivenUp(id: item.id, type: item.kind.rawValue, subject: item.subject, error: failure)
            )
        }
    }
}
