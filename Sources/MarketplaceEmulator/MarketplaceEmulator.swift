public import Foundation
import Hummingbird
import Logging
public import ServiceLifecycle

/// Google's side of a Marketplace SaaS integration on one loopback port, speaking Google's wire
/// format on Google's paths, so a client switches between Google and the emulator by base URL
/// alone. A `Service`: run it in a `ServiceGroup` (or `entitle emulator`); `baseURL()` answers
/// once it listens.
public final class MarketplaceEmulator: Service, Sendable {
    public let options: EmulatorOptions
    let state: EmulatorState
    private let listening = ListeningPort()

    public init(options: EmulatorOptions = EmulatorOptions()) {
        self.options = options
        state = EmulatorState(options: options)
    }

    public func run() async throws {
        let router = Router()
        ProcurementRoutes(state: state).register(on: router)
        PubSubRoutes(state: state, pullWait: options.pullWait).register(on: router)
        ControlRoutes(state: state).register(on: router)
        ServiceControlRoutes(state: state).register(on: router)
        var logger = Logger(label: "entitle.emulator")
        logger.logLevel = .warning
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: "MarketplaceEmulator"),
            onServerRunning: { [listening] channel in await listening.set(channel.localAddress?.port ?? 0) },
            logger: logger
        )
        try await app.run()
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
