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
/// mode; with none it starts sandbox mode: the emulator in-process, Entitle pointed at it.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run Entitle (sandbox mode against the built-in emulator when no Google credentials are found).",
        discussion: "Settings come from --config FILE (JSON) and ENTITLE_* environment variables; README.md lists them."
    )

    @Option(help: "A JSON settings file.") var config: String?

    func run() async throws {
        var configuration = try EntitleConfiguration.load(file: config, environment: ProcessInfo.processInfo.environment)
        var logger = Logger(label: "entitle")
        logger.logLevel = .info
        var services: [any Service] = []
        let google: EntitleServer.Google
        var banner: [String] = []
        if let base = configuration.googleBaseURL {
            guard let url = URL(string: base.hasSuffix("/") ? base : base + "/") else {
                throw ValidationError("ENTITLE_GOOGLE_BASE_URL is not a URL")
            }
            let credentials = try await ApplicationDefaultCredentials.find(keyFile: configuration.googleCredentials)?.provider ?? NoTokenProvider()
            google = try Self.production(configuration, endpoints: .emulator(at: url), credentials: credentials)
            banner.append("Google APIs at \(url) (ENTITLE_GOOGLE_BASE_URL)")
        } else if let found = try await ApplicationDefaultCredentials.find(keyFile: configuration.googleCredentials) {
            google = try Self.production(configuration, endpoints: .google, credentials: found.provider)
            banner.append("production mode: Google with \(found.source)")
        } else {
            let (emulator, sandbox) = try Self.sandbox(&configuration)
            services.append(emulator)
            google = sandbox
            let emulatorURL = google.endpoints.procurement
            banner += [
                "sandbox mode: no Google credentials found, so Entitle runs against its built-in emulator.",
                "  buyer simulator (buy a product as a customer): \(emulatorURL)emulator",
                "  sign-up page (the buyer arrives here from the simulator): \(configuration.publicURL)/signup",
                "  admin API: \(configuration.publicURL)/api/admin/entitlements  (Authorization: Bearer \(configuration.adminToken ?? ""))",
                "  usage API: POST \(configuration.publicURL)/v1/usage  (Authorization: Bearer \(configuration.usageAPIKeys.values.sorted().first ?? ""))",
            ]
        }
        let built = try await EntitleServer.build(configuration, google: google, logger: logger)
        services += built.services
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let port = await built.listening()
            let lines = ["Entitle listening on http://\(configuration.httpHost):\(port)/"] + banner + [""]
            FileHandle.standardOutput.write(Data(lines.joined(separator: "\n").utf8))
            try await tasks.waitForAll()
        }
    }

    static func production(
        _ configuration: EntitleConfiguration,
        endpoints: GoogleEndpoints,
        credentials: any AccessTokenProvider
    ) throws -> EntitleServer.Google {
        guard let provider = configuration.providerID else { throw ValidationError("ENTITLE_PROVIDER_ID is required with Google credentials") }
        guard configuration.delivery == "push" || configuration.subscription != nil else {
            throw ValidationError("ENTITLE_SUBSCRIPTION (projects/{p}/subscriptions/{s}) is required for pull delivery")
        }
        guard !configuration.signupAudiences.isEmpty else { throw ValidationError("ENTITLE_SIGNUP_AUDIENCES (your product domains) is required") }
        return EntitleServer.Google(
            endpoints: endpoints,
            credentials: credentials,
            provider: try ProviderID(provider),
            subscription: configuration.subscription ?? ""
        )
    }

    /// The emulator on its own port, and Entitle's settings pointed at it.
    static func sandbox(_ configuration: inout EntitleConfiguration) throws -> (MarketplaceEmulator, EntitleServer.Google) {
        var options = EmulatorOptions()
        options.host = "127.0.0.1"
        options.port = configuration.sandboxEmulatorPort
        options.signupURL = configuration.publicURL + "/signup"
        options.signupAudience = "localhost"
        // Kept beside the store, so a restarted sandbox still knows what the store knows.
        options.stateFile = configuration.storeURL + ".emulator.json"
        let emulator = try MarketplaceEmulator(options: options)
        let base = URL(string: "http://127.0.0.1:\(options.port)/")!
        let keyFile = try ServiceAccountKey(try emulator.serviceAccountKeyFile(base: base))
        configuration.signupAudiences = ["localhost"]
        configuration.adminToken = configuration.adminToken ?? UUID().uuidString.lowercased()
        if configuration.usageAPIKeys.isEmpty { configuration.usageAPIKeys = ["sandbox": UUID().uuidString.lowercased()] }
        if configuration.usageMetrics.isEmpty {
            // The emulator's catalog defines the metrics, as Producer Portal would.
            for product in options.catalog.products where product.plans.contains(where: { !$0.metrics.isEmpty }) {
                configuration.usageMetrics[product.id] = Dictionary(uniqueKeysWithValues: product.plans.map { ($0.id, $0.metrics) })
            }
        }
        let google = EntitleServer.Google(
            endpoints: .emulator(at: base),
            credentials: try ServiceAccountTokenProvider(key: keyFile),
            provider: options.provider,
            subscription: "projects/entitle-sandbox/subscriptions/entitle",
            createSubscriptionOn: options.topic
        )
        return (emulator, google)
    }
}
