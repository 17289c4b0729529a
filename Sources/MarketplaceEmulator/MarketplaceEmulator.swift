public import Foundation
import Hummingbird
import Logging
import MarketplaceCore
public import ServiceLifecycle

/// Google's side of a Marketplace SaaS integration on one loopback port, speaking Google's wire
/// format on Google's paths, so a client switches between Google and the emulator by base URL
/// alone. A `Service`: run it in a `ServiceGroup` (or `entitle emulator`); `baseURL()` answers
/// once it listens.
public final class MarketplaceEmulator: Service, Sendable {
    public let options: EmulatorOptions
    let state: EmulatorState
    let identity: EmulatorIdentity
    private let listening = ListeningPort()
    /// Identity-Aware Proxy's key, for apps behind IAP (the admin console).
    let iapSigner = IAPSigner()
    /// The calls made to Google's APIs, by kind (`GET /emulator/v1/requests`).
    let requests = RequestCounter()

    /// - Throws: when the emulator's keys cannot be made (or a given key file cannot be read).
    public init(options: EmulatorOptions = EmulatorOptions()) throws {
        self.options = options
        let restored = try options.stateFile.flatMap { try EmulatorSnapshot.load(from: $0, provider: options.provider) }
        identity = try EmulatorIdentity(
            projectID: options.projectID,
            existingKey: options.serviceAccountKey,
            signupKey: try restored?.signingKey
        )
        state = EmulatorState(options: options, identity: identity, restoring: restored)
    }

    public func run() async throws {
        let router = Router()
        router.add(middleware: MetadataFlavorMiddleware())
        router.add(middleware: RequestCountingMiddleware(counter: requests))
        router.add(middleware: FaultMiddleware(state: state))
        if let stateFile = options.stateFile {
            router.add(middleware: DurableStateMiddleware(state: state, path: stateFile, identity: identity))
        }
        router.add(middleware: DueChangesMiddleware(state: state))
        router.add(middleware: GoogleAuthMiddleware(state: state, required: options.requireAuth))
        router.add(middleware: PartialResponseMiddleware())
        IdentityRoutes(state: state, signupURL: options.signupURL).register(on: router)
        IAPRoutes(signer: iapSigner).register(on: router)
        router.get("emulator/v1/requests") { [requests] _, _ in try JSONResponse.make(requests.snapshot) }
        router.delete("emulator/v1/requests") { [requests] _, _ in
            requests.reset()
            return try JSONResponse.make(EmptyResponse())
        }
        ProcurementRoutes(state: state).register(on: router)
        PubSubRoutes(state: state, pullWait: options.pullWait).register(on: router)
        ControlRoutes(state: state, signupURL: options.signupURL).register(on: router)
        BuyerPageRoutes(
            state: state,
            signupURL: options.signupURL,
            agent: (options.agentTargetURL, options.agentAudience)
        )
        .register(on: router)
        ServiceControlRoutes(state: state).register(on: router)
        let logger = {
            var logger = Logger(label: "entitle.emulator")
            logger.logLevel = .warning
            return logger
        }()
        let app = Application(
            router: router,
            configuration: .init(
                address: .hostname(options.host, port: options.port),
                serverName: "MarketplaceEmulator"
            ),
            onServerRunning: { [listening] channel in await listening.set(channel.localAddress?.port ?? 0) },
            logger: logger
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run() }
            group.addTask { [state] in try await PushDeliverer(state: state, logger: logger).run() }
            if let host = options.externalPubSubHost, let base = URL(string: "http://\(host)/") {
                group.addTask { [state, options] in
                    try await ExternalPubSubForwarder(state: state, base: base, topic: options.topic, logger: logger)
                        .run()
                }
            }
            if let stateFile = options.stateFile {
                group.addTask { [state, identity] in
                    // At most a second of changes is lost if the process is killed outright.
                    while !Task.isCancelled {
                        try await Task.sleep(for: .seconds(1))
                        try await state.save(to: stateFile, keys: identity)
                    }
                }
            }
            // The server ends on graceful shutdown; the loops beside it end with it.
            try await group.next()
            group.cancelAll()
        }
        if let stateFile = options.stateFile { try await state.save(to: stateFile, keys: identity, force: true) }
    }

    /// The service-account key file clients use to obtain tokens here (`token_uri` points here).
    public func serviceAccountKeyFile() async throws -> ServiceAccountKeyFile {
        try identity.keyFile(base: await baseURL())
    }

    /// The same key file for a base URL known before the server listens (a fixed port).
    public func serviceAccountKeyFile(base: URL) throws -> ServiceAccountKeyFile {
        try identity.keyFile(base: base)
    }

    /// An access token that never expires, standing for a client that refreshes its token on time
    /// (time travel would otherwise expire it); for harnesses. Expiry is the token endpoint's.
    public func mintAccessToken() async -> String {
        await state.issueAccessToken(expires: false).token
    }

    /// A sign-up token for the account, as Marketplace would POST it to the vendor.
    public func signupToken(accountID: String) async throws -> String {
        try await state.signupToken(accountID: accountID)
    }

    /// `http://host:port/`, once the server listens.
    public func baseURL() async -> URL {
        let port = await listening.port()
        return URL(string: "http://\(options.host):\(port)/")!
    }
}

/// The port the server bound, handed to whoever waits for it.
private actor ListeningPort {
    private var value: Int?
    private var waiters: [CheckedContinuation<Int, Never>] = []

    func set(_ port: Int) {
        value = port
        for waiter in waiters { waiter.resume(returning: port) }
        waiters = []
    }

    func port() async -> Int {
        if let value { return value }
        return await withCheckedContinuation { waiters.append($0) }
    }
}
