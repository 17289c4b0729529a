public import EntitleStore
public import Foundation
public import GoogleCloud
import Hummingbird
import HummingbirdCore
public import Logging
public import MarketplaceCore
import NIOCore
public import ServiceLifecycle

/// Builds `entitle serve` from its configuration and a Google connection: the HTTP server (sign-up,
/// push, admin API, health), the pull service or the push endpoint, and the callback dispatcher.
/// The CLI and the tests run what this returns in one `ServiceGroup`.
public enum EntitleServer {
    /// Where Google (or the emulator) is, and as whom Entitle talks to it.
    public struct Google: Sendable {
        public var endpoints: GoogleEndpoints
        public var credentials: any AccessTokenProvider
        public var provider: ProviderID
        public var subscription: String
        /// Sandbox mode: create the subscription on this topic at start.
        public var createSubscriptionOn: String?
        /// Sandbox mode: the emulator's buyer simulator, which the console links to.
        public var buyerSimulator: URL?

        public init(
            endpoints: GoogleEndpoints,
            credentials: any AccessTokenProvider,
            provider: ProviderID,
            subscription: String,
            createSubscriptionOn: String? = nil,
            buyerSimulator: URL? = nil
        ) {
            self.endpoints = endpoints
            self.credentials = credentials
            self.provider = provider
            self.subscription = subscription
            self.createSubscriptionOn = createSubscriptionOn
            self.buyerSimulator = buyerSimulator
        }
    }

    public struct Built: Sendable {
        public var services: [any Service]
        public var store: any Store
        /// Who leads among the replicas sharing the store (with SQLite, this one).
        public var leadership: any LeaderElection
        public var metrics: EntitleMetrics
        /// The HTTP routes served ("METHOD /path"), as `/openapi.json` lists them.
        public var routes: Set<String>
        /// Resolves once the HTTP server listens (port 0 picks one).
        public var listening: @Sendable () async -> Int
    }

    /// Everything `entitle serve` runs, from its configuration: the components (store, clients,
    /// processor, sign-up, usage), the routes, the loops, and the HTTP server.
    public static func build(
        _ configuration: EntitleConfiguration,
        google: Google,
        logger: Logger = Logger(label: "entitle")
    ) async throws -> Built {
        // `EntitleConfiguration.load` checked it already, naming file or environment; a
        // configuration built in code (a vendor embedding Entitle, a test) is checked here.
        try configuration.validate()
        let parts = try await EntitleComponents(configuration, google: google, logger: logger)
        let (router, routes) = try router(parts)
        let port = parts.port
        let (header, body) = (configuration.httpHeaderTimeoutSeconds, configuration.httpBodyTimeoutSeconds)
        let http = HTTP1Channel.Configuration(
            additionalChannelHandlers: [
                RequestReadTimeout(header: .seconds(Int64(header)), body: .seconds(Int64(body)))
            ],
            idleTimeout: .seconds(Int64(configuration.httpIdleTimeoutSeconds))
        )
        let app = Application(
            router: router,
            server: .http1(configuration: http),
            configuration: .init(
                address: .hostname(configuration.httpHost, port: configuration.httpPort),
                serverName: "Entitle"
            ),
            onServerRunning: { channel in await port.set(channel.localAddress?.port ?? 0) },
            logger: logger
        )
        // The store is closed after everything that uses it has stopped.
        let store = parts.store
        let closer = StoreCloser { if let postgres = store as? PostgresStore { await postgres.close() } }
        return Built(
            services: [closer, app, LeadershipService(parts.leadership)] + services(parts),
            store: store,
            leadership: parts.leadership,
            metrics: parts.metrics,
            routes: routes,
            listening: { await port.value() }
        )
    }

    /// The store `storeURL` names: an SQLite file, or a PostgreSQL database (migrated on open).
    public static func openStore(_ configuration: EntitleConfiguration, logger: Logger) async throws -> any Store {
        switch try StoreLocation(parsing: configuration.storeURL) {
        case .sqlite(let path): return try await SQLiteStore(path: path)
        case .postgres(let url):
            return try await PostgresStore(
                url: url,
                timeout: .seconds(configuration.storeTimeoutSeconds),
                logger: logger
            )
        }
    }
}

/// The port the server bound, for whoever waits for it.
actor PortPromise {
    private var port: Int?
    private var waiters: [CheckedContinuation<Int, Never>] = []

    func set(_ value: Int) {
        port = value
        for waiter in waiters { waiter.resume(returning: value) }
        waiters = []
    }

    func value() async -> Int {
        if let port { return port }
        return await withCheckedContinuation { waiters.append($0) }
    }
}
