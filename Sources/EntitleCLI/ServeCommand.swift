import ArgumentParser
import Entitle
import Foundation
import GoogleCloud
import Logging
import MarketplaceCore
import MarketplaceEmulator
import ServiceLifecycle
import UnixSignals

/// `entitle serve` (the default command): runs Entitle. With Google credentials it is production
/// mode. Sandbox mode (the emulator in-process, Entitle pointed at it) only when nothing of
/// production is configured and no credentials are found, or with `--sandbox`: production
/// settings without credentials are an error naming every place looked in, never a quiet sandbox
/// writing emulator data into the vendor's store.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run Entitle (sandbox mode against the built-in emulator when nothing of production is configured).",
        discussion: "Settings come from --config FILE (JSON) and ENTITLE_* environment variables; README.md lists them."
    )

    @Option(help: "A JSON settings file.") var config: String?
    @Flag(help: "Run against the built-in emulator even if production settings are present.") var sandbox = false

    func run() async throws {
        var configuration = try EntitleConfiguration.load(
            file: config,
            environment: ProcessInfo.processInfo.environment
        )
        let logging = try LogSettings(environment: ProcessInfo.processInfo.environment)
        var logger = Logger(label: "entitle")
        logger.logLevel = logging.level
        var services: [any Service] = []
        var google: EntitleServer.Google
        var banner: [String] = []
        if let base = configuration.googleBaseURL {
            guard let url = URL(string: base.hasSuffix("/") ? base : base + "/") else {
                throw ValidationError("ENTITLE_GOOGLE_BASE_URL is not a URL")
            }
            let credentials =
                try await ApplicationDefaultCredentials.find(keyFile: configuration.googleCredentials)?.provider
                ?? NoTokenProvider()
            google = try .production(configuration, endpoints: .emulator(at: url), credentials: credentials)
            banner.append("Google APIs at \(url) (ENTITLE_GOOGLE_BASE_URL)")
        } else {
            // Asked patiently when production is meant: a cold start's metadata server can be slow.
            let production = ServeMode.productionSettings(configuration)
            let search =
                sandbox
                ? nil
                : try await ApplicationDefaultCredentials.search(
                    keyFile: configuration.googleCredentials,
                    metadataPatience: production.isEmpty ? .seconds(1) : .seconds(5)
                )
            let mode = try ServeMode.decide(
                configuration,
                sandboxAsked: sandbox,
                credentialsFound: search?.found != nil,
                tried: search?.tried ?? []
            )
            if mode == .production, let found = search?.found {
                google = try .production(configuration, endpoints: .google, credentials: found.provider)
                banner.append("production mode: Google with \(found.source)")
            } else {
                let (emulator, sandboxGoogle) = try Self.sandbox(&configuration)
                services.append(emulator)
                google = sandboxGoogle
                let emulatorURL = google.endpoints.procurement
                let url = configuration.resolvedPublicURL
                let usageKey = configuration.usageAPIKeys.values.flatMap(\.keys).sorted().first ?? ""
                banner += [
                    sandbox
                        ? "sandbox mode (--sandbox): Entitle runs against its built-in emulator."
                        : "sandbox mode: nothing of production is configured and no Google credentials were found, so Entitle runs against its built-in emulator.",
                    "  buyer simulator (buy a product as a customer): \(emulatorURL)emulator",
                    "  sign-up page (the buyer arrives here from the simulator): \(url)/signup",
                    "  admin console: \(url)/admin  (sign in with the admin token \(configuration.adminToken ?? ""))",
                    "  admin API: \(url)/api/admin/entitlements  (Authorization: Bearer \(configuration.adminToken ?? ""))",
                    "  usage API: POST \(url)/v1/usage  (Authorization: Bearer \(usageKey))",
                    "  the admin token and usage key are kept in \(SandboxSecrets.path(store: configuration.storeURL)) across restarts",
                ]
            }
        }
        // Not in sandbox mode: its emulator is its Pub/Sub.
        if services.isEmpty, let host = ProcessInfo.processInfo.environment["PUBSUB_EMULATOR_HOST"], !host.isEmpty {
            // As Google's own client libraries do: Pub/Sub (only) at an emulator, over plain http.
            guard let url = URL(string: "http://\(host)/"), url.port != nil else {
                throw ValidationError("PUBSUB_EMULATOR_HOST: expected host:port, got \(host)")
            }
            google.endpoints.pubSub = url
            banner.append("Pub/Sub at \(url) (PUBSUB_EMULATOR_HOST)")
        }
        let built = try await EntitleServer.build(configuration, google: google, logger: logger)
        services += built.services
        let shutdown = Duration.seconds(configuration.shutdownTimeoutSeconds)
        services.append(ShutdownDeadline(timeout: shutdown, logger: logger))
        var groupConfiguration = ServiceGroupConfiguration(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        // Past most of the bound, services still running are cancelled rather than waited for.
        groupConfiguration.maximumGracefulShutdownDuration = shutdown * 0.8
        let group = ServiceGroup(configuration: groupConfiguration)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let port = await built.listening()
            let lines = ["Entitle listening on http://\(configuration.httpHost):\(port)/"] + banner
            if logging.format == .json {
                // Every line of the output is JSON: the banner too, one record per line.
                for line in lines {
                    logger.notice("\(line.trimmingCharacters(in: .whitespaces))", metadata: ["port": "\(port)"])
                }
            } else {
                FileHandle.standardOutput.write(Data((lines + [""]).joined(separator: "\n").utf8))
            }
            try await tasks.waitForAll()
        }
    }

    /// The emulator on its own port, and Entitle's settings pointed at it.
    static func sandbox(
        _ configuration: inout EntitleConfiguration
    ) throws -> (MarketplaceEmulator, EntitleServer.Google) {
        var options = EmulatorOptions()
        options.host = "127.0.0.1"
        options.port = configuration.sandboxEmulatorPort
        options.signupURL = configuration.resolvedPublicURL + "/signup"
        options.signupAudience = "localhost"
        // The buyer page adds agents to "Gemini Enterprise" at this Entitle, when it sells any.
        if !configuration.agentProducts.isEmpty {
            options.agentTargetURL = configuration.resolvedPublicURL + configuration.agentRegistrationPath
            options.agentAudience = configuration.agentAudiences.first ?? ""
        }
        // Kept beside the store, so a restarted sandbox still knows what the store knows.
        options.stateFile = SandboxSecrets.base(store: configuration.storeURL) + ".emulator.json"
        let emulator = try MarketplaceEmulator(options: options)
        let base = URL(string: "http://127.0.0.1:\(options.port)/")!
        let keyFile = try ServiceAccountKey(try emulator.serviceAccountKeyFile(base: base))
        configuration.signupAudiences = ["localhost"]
        // Kept beside the store, so a vendor's scripts still work after a restart.
        let secrets = try SandboxSecrets.load(store: configuration.storeURL)
        configuration.adminToken = configuration.adminToken ?? secrets.adminToken
        if configuration.usageAPIKeys.isEmpty { configuration.usageAPIKeys = ["sandbox": AppAccess(secrets.usageKey)] }
        if configuration.usageMetrics.isEmpty {
            // The emulator's catalog defines the metrics, as Producer Portal would.
            for product in options.catalog.products where product.plans.contains(where: { !$0.metrics.isEmpty }) {
                configuration.usageMetrics[product.id] = Dictionary(
                    uniqueKeysWithValues: product.plans.map { ($0.id, $0.metrics) }
                )
            }
        }
        let google = EntitleServer.Google(
            endpoints: .emulator(at: base),
            credentials: try ServiceAccountTokenProvider(key: keyFile),
            provider: options.provider,
            subscription: "projects/entitle-sandbox/subscriptions/entitle",
            createSubscriptionOn: options.topic,
            buyerSimulator: base.appendingPathComponent("emulator")
        )
        return (emulator, google)
    }
}
