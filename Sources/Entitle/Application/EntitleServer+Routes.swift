import EntitleStore
import Foundation
import GoogleCloud
import Hummingbird

extension EntitleServer {
    typealias Routes = (router: Router<EntitleRequestContext>, routes: Set<String>)

    /// Every HTTP route of `entitle serve`, each behind the credential its controller checks.
    /// - Returns: the router, and the routes `/openapi.json` describes.
    static func router(_ parts: EntitleComponents) throws -> Routes {
        let configuration = parts.configuration
        let router = Router(context: EntitleRequestContext.self)
        // Outermost, so that it counts the answers EdgeMiddleware makes of errors and unknown routes.
        if parts.metrics.isEnabled { router.add(middleware: HTTPMetricsMiddleware(metrics: parts.metrics)) }
        // Before the routes, so that it wraps every route and the not-found answer.
        let routeTable = RouteTable()
        router.add(middleware: EdgeMiddleware(logger: parts.logger, routes: routeTable))
        HealthController(store: parts.store, readiness: parts.readiness, adminTokens: configuration.adminTokens)
            .register(on: router)
        if parts.metrics.isEnabled {
            MetricsController(
                metrics: parts.metrics,
                store: parts.store,
                leadership: parts.leadership,
                access: MetricsController.Access(configuration),
                throttle: parts.throttle
            )
            .register(on: router)
        }
        try signupRoutes(parts, on: router)
        agentRoutes(parts, on: router)
        if !configuration.usageAPIKeys.isEmpty { appRoutes(parts, on: router) }
        if !configuration.adminTokens.isEmpty { adminRoutes(parts, tokens: configuration.adminTokens, on: router) }
        // Last, so that the contract it serves lists every route above (and only those).
        let routes = OpenAPIController.routes(of: router)
        try OpenAPIController(
            serverURL: parts.publicURL,
            routes: routes,
            metricsTokenRequired: configuration.metricsToken != nil,
            agentPath: configuration.agentRegistrationPath
        )
        .register(on: router)
        routeTable.set(OpenAPIController.allRoutes(of: router))
        return (router, routes)
    }

    /// Marketplace's sign-up POST and the hosted form; Pub/Sub's push when notifications are pushed.
    private static func signupRoutes(_ parts: EntitleComponents, on router: Router<EntitleRequestContext>) throws {
        let pages = parts.signupPages
        SignupController(
            flow: parts.signupFlow,
            pages: pages,
            secureCookie: parts.secureCookies,
            clientAddress: ClientAddress(forwardedHops: parts.configuration.forwardedForHops),
            logger: parts.logger
        ).register(on: router)
        router.get("signup/done") { _, _ in
            SignupController.problem(
                pages: pages,
                .ok,
                "You are signed up",
                "Your purchase is being set up. You can close this page."
            )
        }
        guard parts.configuration.delivery == "push" else { return }
        guard let email = parts.configuration.pushServiceAccount else {
            throw ConfigurationError(
                setting: "pushServiceAccount",
                problem: "push delivery needs the subscription's service account"
            )
        }
        let verifier = PushTokenVerifier(
            audience: parts.configuration.pushAudience ?? parts.publicURL + "/" + PubSubPushController.path,
            serviceAccountEmail: email,
            certificates: GoogleCertificateCache(url: parts.google.endpoints.oidcCertificates, logger: parts.logger)
        )
        PubSubPushController(processor: parts.processor, verifier: verifier, logger: parts.logger).register(on: router)
    }

    /// Gemini Enterprise's registration of agent orders; the software statement is its credential.
    private static func agentRoutes(_ parts: EntitleComponents, on router: Router<EntitleRequestContext>) {
        guard let agents = parts.agents else { return }
        AgentRegistrationController(registrations: agents.registrations, path: agents.path, logger: parts.logger)
            .register(on: router)
    }

    /// `/v1`, opened by the apps' keys: usage, the app API, and the redirect sign-up's completion.
    private static func appRoutes(_ parts: EntitleComponents, on router: Router<EntitleRequestContext>) {
        let configuration = parts.configuration
        let recorder = UsageRecorder(
            store: parts.store,
            catalog: parts.usageCatalog,
            windowLength: Int64(configuration.usageWindowSeconds),
            maxQuantity: configuration.usageMaxQuantity
        )
        // The app key opens every route of the group; a route only answers, for `context.app`.
        let v1 = router.group("v1", context: AppRequestContext<EntitleRequestContext>.self)
            .add(middleware: AppKeyMiddleware(keys: AppKeys(configuration.usageAPIKeys), throttle: parts.throttle))
        UsageAPIController(recorder: recorder, metrics: parts.metrics).register(on: v1)
        AppAPIController(store: parts.store, catalog: parts.usageCatalog).register(on: v1)
        if let app = configuration.handoffApp {
            SignupAPIController(flow: parts.signupFlow, app: app, store: parts.store, catalog: parts.usageCatalog)
                .register(on: v1)
        }
    }

    /// `/api/admin` and the console, opened by the admin token (or Identity-Aware Proxy).
    private static func adminRoutes(
        _ parts: EntitleComponents,
        tokens: [String],
        on router: Router<EntitleRequestContext>
    ) {
        let configuration = parts.configuration
        AdminAPIController(
            store: parts.store,
            processor: parts.processor,
            tokens: tokens,
            throttle: parts.throttle,
            usageReporter: parts.usageReporter,
            leadership: parts.leadership
        ).register(on: router)
        let sessions = ConsoleSessions(
            store: parts.store,
            adminTokens: tokens,
            throttle: parts.throttle,
            lifetimeSeconds: Int64(configuration.consoleSessionSeconds),
            secureCookie: parts.secureCookies,
            iap: configuration.consoleIAPAudience.map {
                let keys = GoogleCertificateCache(
                    url: parts.google.endpoints.iapKeys,
                    format: .jwks,
                    logger: parts.logger
                )
                return ConsoleSessions.IAP(
                    verifier: IAPAssertionVerifier(audience: $0, keys: keys),
                    emails: configuration.consoleIAPEmails
                )
            }
        )
        let settings = ConsoleController.Settings(
            buyerURL: parts.google.buyerSimulator,
            configuration: ConsoleSettingsView.rows(configuration),
            replica: parts.replica
        )
        ConsoleController(
            store: parts.store,
            processor: parts.processor,
            sessions: sessions,
            usageReporter: parts.usageReporter,
            settings: settings
        ).register(on: router)
    }
}
