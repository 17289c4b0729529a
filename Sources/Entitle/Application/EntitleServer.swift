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

    public static func build(_ configuration: EntitleConfiguration, google: Google, logger: Logger = Logger(label: "entitle")) async throws -> Built {
        // `EntitleConfiguration.load` checked it already, naming file or environment; a
        // configuration built in code (a vendor embedding Entitle, a test) is checked here.
        try configuration.validate()
        let store = try await openStore(configuration, logger: logger)
        let replica = ReplicaName.current
        let leadership = store.leaderElection(replica: replica)
        let metrics = EntitleMetrics(enabled: configuration.metricsEnabled)
        let slack = configuration.slackWebhookURL.flatMap(URL.init(string:))
        let attention = slack.map { _ in AttentionQueue() }
        let observer: GoogleCallObserver? = metrics.isEnabled ? { @Sendable call in metrics.recordGoogleCall(call) } : nil
        let transport = GoogleAPITransport(
            credentials: google.credentials,
            logger: logger,
            userAgent: EntitleVersion.userAgent(replica: replica),
            observer: observer
        )
        let procurement = ProcurementClient(provider: google.provider, baseURL: google.endpoints.procurement, transport: transport)
        let pubsub = PubSubClient(baseURL: google.endpoints.pubSub, transport: transport)
        let processor = NotificationProcessor(
            store: store,
            procurement: procurement,
            policies: configuration.policies,
            absenceConfirmationSeconds: Int64(configuration.absenceConfirmationSeconds),
            retry: NotificationRetrySchedule(
                initialSeconds: configuration.notificationRetrySeconds,
                deadLetterAfter: configuration.deadLetterAfterAttempts
            ),
            replica: replica,
            logger: logger,
            metrics: metrics,
            attention: attention
        )
        let publicURL = configuration.resolvedPublicURL
        guard let appURL = URL(string: configuration.appURL ?? publicURL + "/signup/done") else {
            throw ConfigurationError(setting: "appURL", problem: "not a URL")
        }
        let router = Router()
        // Outermost, so that it counts the answers EdgeMiddleware makes of errors and unknown routes.
        if metrics.isEnabled { router.add(middleware: HTTPMetricsMiddleware(metrics: metrics)) }
        // Before the routes, so that it wraps every route and the not-found answer.
        let routeTable = RouteTable()
        router.add(middleware: EdgeMiddleware(logger: logger, routes: routeTable))
        let readiness = Readiness()
        HealthController(store: store, readiness: readiness).register(on: router)
        if metrics.isEnabled {
            MetricsController(metrics: metrics, store: store, leadership: leadership, token: configuration.metricsToken).register(on: router)
        }
        let verifier = MarketplaceTokenVerifier(
            audiences: Set(configuration.signupAudiences),
            certificates: GoogleCertificateCache(url: google.endpoints.signupCertificates, logger: logger)
        )
        let handoffs = configuration.handoffApp.map { Handoffs(store: store, app: $0, lifetimeSeconds: Int64(configuration.handoffSeconds)) }
        let flow = SignupFlow(
            store: store,
            procurement: procurement,
            verifier: verifier,
            processor: processor,
            appURL: appURL,
            handoffs: handoffs,
            externalPage: configuration.signupMode == "redirect" ? configuration.signupURL.flatMap(URL.init(string:)) : nil,
            sessionLifetimeSeconds: Int64(configuration.signupSessionSeconds),
            logger: logger
        )
        let pages = try SignupPages.load(directory: configuration.signupTemplates)
        SignupController(flow: flow, pages: pages, secureCookie: publicURL.lowercased().hasPrefix("https://"), logger: logger).register(on: router)
        router.get("signup/done") { _, _ in
            SignupController.problem(pages: pages, .ok, "You are signed up", "Your purchase is being set up. You can close this page.")
        }
        var services: [any Service] = []
        if configuration.delivery == "push" {
            guard let email = configuration.pushServiceAccount else {
                throw ConfigurationError(setting: "ENTITLE_PUSH_SERVICE_ACCOUNT", problem: "push delivery needs the subscription's service account")
            }
            let verifier = PushTokenVerifier(
                audience: configuration.pushAudience ?? publicURL + "/" + PubSubPushController.path,
                serviceAccountEmail: email,
                certificates: GoogleCertificateCache(url: google.endpoints.oidcCertificates, logger: logger)
            )
            PubSubPushController(processor: processor, verifier: verifier, logger: logger).register(on: router)
        } else {
            let settings = PubSubPullService.Settings(
                subscription: google.subscription,
                workers: configuration.pullWorkers,
                createOnTopic: google.createSubscriptionOn
            )
            services.append(PubSubPullService(pubsub: pubsub, processor: processor, settings: settings, readiness: readiness, logger: logger))
        }
        if configuration.resyncIntervalSeconds > 0 {
            services.append(
                ResyncService(
                    procurement: procurement,
                    store: store,
                    processor: processor,
                    interval: .seconds(configuration.resyncIntervalSeconds),
                    leadership: leadership,
                    logger: logger
                )
            )
        }
        if configuration.pruneIntervalSeconds > 0 {
            services.append(
                RetentionService(
                    store: store,
                    policy: configuration.retention,
                    interval: .seconds(configuration.pruneIntervalSeconds),
                    leadership: leadership,
                    logger: logger
                )
            )
        }
        if !configuration.usageAPIKeys.isEmpty {
            let recorder = UsageRecorder(
                store: store,
                catalog: UsageCatalog(products: configuration.usageMetrics),
                windowLength: Int64(configuration.usageWindowSeconds),
                maxQuantity: configuration.usageMaxQuantity
            )
            UsageAPIController(recorder: recorder, keys: configuration.usageAPIKeys, metrics: metrics).register(on: router)
            AppAPIController(store: store, keys: AppKeys(configuration.usageAPIKeys), catalog: UsageCatalog(products: configuration.usageMetrics))
                .register(on: router)
            if let app = configuration.handoffApp {
                let catalog = UsageCatalog(products: configuration.usageMetrics)
                SignupAPIController(flow: flow, keys: AppKeys(configuration.usageAPIKeys), app: app, store: store, catalog: catalog).register(
                    on: router
                )
            }
        }
        var usageReporter: UsageReporter?
        if configuration.usageReportIntervalSeconds > 0 {
            let settings = UsageReporter.Settings(
                windowLength: Int64(configuration.usageWindowSeconds),
                interval: .seconds(configuration.usageReportIntervalSeconds)
            )
            let serviceControl = ServiceControlClient(baseURL: google.endpoints.serviceControl, transport: transport)
            usageReporter = UsageReporter(
                store: store,
                serviceControl: serviceControl,
                settings: settings,
                refresh: processor.usageRefresh,
                leadership: leadership,
                logger: logger,
                metrics: metrics,
                attention: attention
            )
            services += usageReporter.map { [$0] } ?? []
        }
        if let token = configuration.adminToken {
            AdminAPIController(store: store, processor: processor, token: token, usageReporter: usageReporter, leadership: leadership)
                .register(on: router)
            let sessions = ConsoleSessions(
                store: store,
                adminToken: token,
                lifetimeSeconds: Int64(configuration.consoleSessionSeconds),
                secureCookie: publicURL.lowercased().hasPrefix("https://"),
                iap: configuration.consoleIAPAudience.map {
                    let keys = GoogleCertificateCache(url: google.endpoints.iapKeys, format: .jwks, logger: logger)
                    return ConsoleSessions.IAP(verifier: IAPAssertionVerifier(audience: $0, keys: keys), emails: configuration.consoleIAPEmails)
                }
            )
            let settings = ConsoleController.Settings(
                buyerURL: google.buyerSimulator,
                configuration: ConsoleSettingsView.rows(configuration),
                replica: replica
            )
            ConsoleController(store: store, processor: processor, sessions: sessions, usageReporter: usageReporter, settings: settings)
                .register(on: router)
        }
        if let callbackURL = configuration.callbackURL, let url = URL(string: callbackURL), let secret = configuration.callbackSecret {
            let signer = CallbackSigner(secret: secret)
            let settings = CallbackDispatcher.Settings(webhookURL: url, claimant: replica, claimSeconds: Int64(configuration.callbackClaimSeconds))
            services.append(
                CallbackDispatcher(store: store, signer: signer, settings: settings, logger: logger, metrics: metrics, attention: attention)
            )
        }
        if let slack, let attention {
            services.append(SlackNotifier(queue: attention, webhook: slack, adminBase: publicURL, logger: logger))
        }
        // Last, so that the contract it serves lists every route above (and only those).
        let routes = OpenAPIController.routes(of: router)
        try OpenAPIController(serverURL: publicURL, routes: routes, metricsTokenRequired: configuration.metricsToken != nil).register(on: router)
        routeTable.set(OpenAPIController.allRoutes(of: router))
        let port = PortPromise()
        let (header, body) = (configuration.httpHeaderTimeoutSeconds, configuration.httpBodyTimeoutSeconds)
        let http = HTTP1Channel.Configuration(
            additionalChannelHandlers: [RequestReadTimeout(header: .seconds(Int64(header)), body: .seconds(Int64(body)))],
            idleTimeout: .seconds(Int64(configuration.httpIdleTimeoutSeconds))
        )
        let app = Application(
            router: router,
            server: .http1(configuration: http),
            configuration: .init(address: .hostname(configuration.httpHost, port: configuration.httpPort), serverName: "Entitle"),
            onServerRunning: { channel in await port.set(channel.localAddress?.port ?? 0) },
            logger: logger
        )
        // The store is closed after everything that uses it has stopped.
        let closer = StoreCloser { if let postgres = store as? PostgresStore { await postgres.close() } }
        return Built(
            services: [closer, app, LeadershipService(leadership)] + services,
            store: store,
            leadership: leadership,
            metrics: metrics,
            routes: routes,
            listening: { await port.value() }
        )
    }

    /// The store `storeURL` names: an SQLite file, or a PostgreSQL database (migrated on open).
    public static func openStore(_ configuration: EntitleConfiguration, logger: Logger) async throws -> any Store {
        switch try StoreLocation(parsing: configuration.storeURL) {
        case .sqlite(let path): return try await SQLiteStore(path: path)
        case .postgres(let url): return try await PostgresStore(url: url, logger: logger)
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
