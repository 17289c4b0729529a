import EntitleStore
import Foundation
import GoogleCloud
import Logging
import MarketplaceCore
import Mustache

/// What `entitle serve` is made of before any route or loop exists: the store, who leads, the
/// Google clients, the notification processor, the sign-up flow and the usage reporter. Built
/// once from the configuration; `EntitleServer` wires routes and services from it.
struct EntitleComponents {
    let configuration: EntitleConfiguration
    let google: EntitleServer.Google
    let logger: Logger
    let store: any Store
    let replica: String
    let leadership: any LeaderElection
    let metrics: EntitleMetrics
    let readiness = Readiness()
    /// Failed credentials, per client address, for every credential the routes check.
    let throttle: AuthThrottle
    let slack: URL?
    let attention: AttentionQueue?
    let transport: GoogleAPITransport
    let procurement: ProcurementClient
    let processor: NotificationProcessor
    /// Where buyers and Google reach Entitle, without a trailing slash.
    let publicURL: String
    /// The port the server bound (port 0 picks one when it starts).
    let port = PortPromise()
    let signupPages: MustacheLibrary
    let signupFlow: SignupFlow
    let usageReporter: UsageReporter?
    /// Gemini Enterprise's registration of agent orders, when `agentProducts` is set.
    let agents: AgentComponents?

    init(_ configuration: EntitleConfiguration, google: EntitleServer.Google, logger: Logger) async throws {
        self.configuration = configuration
        self.google = google
        self.logger = logger
        let store = try await EntitleServer.openStore(configuration, logger: logger)
        self.store = store
        replica = ReplicaName.current
        leadership = store.leaderElection(replica: replica)
        let metrics = EntitleMetrics(enabled: configuration.metricsEnabled)
        self.metrics = metrics
        throttle = AuthThrottle(
            AuthThrottle.Settings(
                limit: configuration.authFailureLimit,
                windowSeconds: configuration.authFailureWindowSeconds,
                forwardedHops: configuration.forwardedForHops
            ),
            logger: logger,
            metrics: metrics
        )
        slack = configuration.slackWebhookURL.flatMap(URL.init(string:))
        attention = slack.map { _ in AttentionQueue() }
        let observer: GoogleCallObserver? =
            metrics.isEnabled ? { @Sendable call in metrics.recordGoogleCall(call) } : nil
        transport = GoogleAPITransport(
            credentials: google.credentials,
            logger: logger,
            userAgent: EntitleVersion.userAgent(replica: replica),
            observer: observer
        )
        procurement = ProcurementClient(
            provider: google.provider,
            baseURL: google.endpoints.procurement,
            transport: transport
        )
        processor = NotificationProcessor(
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
            attention: attention,
            waitingMessage: configuration.waitingMessage
        )
        publicURL = configuration.resolvedPublicURL
        guard let appURL = URL(string: configuration.appURL ?? publicURL + "/signup/done") else {
            throw ConfigurationError(setting: "appURL", problem: "not a URL")
        }
        let handoffs = configuration.handoffApp.map {
            Handoffs(store: store, app: $0, lifetimeSeconds: Int64(configuration.handoffSeconds))
        }
        signupFlow = SignupFlow(
            store: store,
            procurement: procurement,
            verifier: MarketplaceTokenVerifier(
                audiences: Set(configuration.signupAudiences),
                certificates: GoogleCertificateCache(url: google.endpoints.signupCertificates, logger: logger)
            ),
            processor: processor,
            appURL: appURL,
            loginURL: configuration.loginURL.flatMap(URL.init(string:)),
            handoffs: handoffs,
            externalPage: configuration.signupMode == "redirect"
                ? configuration.signupURL.flatMap(URL.init(string:)) : nil,
            continueURL: { [port] in
                // Without a publicURL, port 0 is known only once the server listens.
                var resolved = configuration
                if resolved.publicURL == nil && resolved.httpPort == 0 { resolved.httpPort = await port.value() }
                return URL(string: resolved.resolvedPublicURL + "/signup/continue")!
            },
            sessionLifetimeSeconds: Int64(configuration.signupSessionSeconds),
            rateLimit: SignupRateLimit(
                perAddress: configuration.signupLimitPerAddress,
                perAccount: configuration.signupLimitPerAccount
            ),
            logger: logger
        )
        signupPages = try SignupPages.load(directory: configuration.signupTemplates)
        agents = try AgentComponents(
            configuration,
            store: store,
            endpoints: google.endpoints,
            replica: replica,
            logger: logger
        )
        usageReporter =
            configuration.usageReportIntervalSeconds > 0
            ? UsageReporter(
                store: store,
                serviceControl: ServiceControlClient(baseURL: google.endpoints.serviceControl, transport: transport),
                settings: UsageReporter.Settings(
                    windowLength: Int64(configuration.usageWindowSeconds),
                    interval: .seconds(configuration.usageReportIntervalSeconds)
                ),
                refresh: processor.usageRefresh,
                leadership: leadership,
                logger: logger,
                metrics: metrics,
                attention: attention
            ) : nil
    }

    /// Buyers' cookies are `Secure` only when buyers reach Entitle over https.
    var secureCookies: Bool { publicURL.lowercased().hasPrefix("https://") }

    /// The usage catalog of `usageMetrics`.
    var usageCatalog: UsageCatalog { UsageCatalog(products: configuration.usageMetrics) }
}
