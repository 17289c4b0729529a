public import Foundation
public import Hummingbird
public import Logging
import MarketplaceCore

/// Slows whoever guesses credentials: after `limit` failed checks (a wrong admin token, app key or
/// metrics token, a failed console sign-in) from one client address within `windowSeconds`, that
/// address is answered 429 with `Retry-After` until the window ends, whatever it presents.
/// Successes neither count nor reset anything, so a client that holds its key is never slowed and a
/// guesser cannot clear its count with a key it holds for something else. Per replica, in memory.
public final class AuthThrottle: Sendable {
    public struct Settings: Sendable {
        /// Failures allowed per window; 0 turns throttling off.
        public var limit: Int
        public var windowSeconds: Int
        /// How many proxies in front of Entitle append to `X-Forwarded-For`; 0 reads the peer.
        public var forwardedHops: Int

        public init(limit: Int = 20, windowSeconds: Int = 300, forwardedHops: Int = 0) {
            self.limit = limit
            self.windowSeconds = windowSeconds
            self.forwardedHops = forwardedHops
        }
    }

    let settings: Settings
    let logger: Logger
    let metrics: EntitleMetrics
    let now: @Sendable () -> Date
    private let failures: WindowCounter

    public init(
        _ settings: Settings,
        logger: Logger,
        metrics: EntitleMetrics = EntitleMetrics(enabled: false),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.settings = settings
        self.logger = logger
        self.metrics = metrics
        self.now = now
        failures = WindowCounter(windowSeconds: settings.windowSeconds)
    }

    /// The address a request comes from (`ClientAddress`).
    public func client(_ request: Request, _ context: some RequestContext) -> String {
        ClientAddress(forwardedHops: settings.forwardedHops).of(request, context)
    }

    /// Nothing, or 429 with `Retry-After` while `client` has used its failures up.
    public func check(_ client: String, credential: String) throws {
        guard settings.limit > 0, let wait = failures.wait(client, limit: settings.limit, at: now()) else { return }
        metrics.increment(EntitleMetrics.Name.authThrottled, [("credential", credential)])
        throw APIProblem(
            .tooManyRequests,
            "too many failed credentials from this address; try again in \(wait) s",
            headers: [.retryAfter: String(wait)]
        )
    }

    /// Counts a failed check of `credential` by `client`; logs once when it starts being refused.
    public func failed(_ client: String, credential: String) {
        metrics.increment(EntitleMetrics.Name.authFailures, [("credential", credential)])
        guard settings.limit > 0, failures.add(client, at: now()) == settings.limit else { return }
        logger.warning(
            "failed credentials: \(client) is refused for up to \(settings.windowSeconds) s",
            metadata: ["client": .string(client), "credential": .string(credential)]
        )
    }
}
