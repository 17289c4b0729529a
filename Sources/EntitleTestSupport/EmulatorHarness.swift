public import Foundation
import MarketplaceCore
public import MarketplaceEmulator

/// Runs a `MarketplaceEmulator` on 127.0.0.1 with an ephemeral port for the length of `body`, then
/// shuts it down gracefully, whether `body` returns or throws.
public enum EmulatorHarness {
    public static func withEmulator<Value: Sendable>(
        _ options: EmulatorOptions = EmulatorOptions(),
        _ body: @Sendable (RunningEmulator) async throws -> Value
    ) async throws -> Value {
        var options = options
        options.host = "127.0.0.1"
        options.port = 0
        let emulator = try MarketplaceEmulator(options: options)
        return try await ServiceScope.run([emulator], label: "test.emulator") {
            let token = await emulator.mintAccessToken()
            let http = JSONHTTPClient(baseURL: await emulator.baseURL(), headers: ["Authorization": "Bearer \(token)"])
            return try await body(RunningEmulator(emulator: emulator, http: http))
        }
    }
}

/// A running emulator and a client pointed at it.
public struct RunningEmulator: Sendable {
    public let emulator: MarketplaceEmulator
    public let http: JSONHTTPClient

    public var baseURL: URL { http.baseURL }
    /// The emulator's control API, typed: purchases, plan changes, cancellations, the clock.
    public var control: EmulatorControlClient { EmulatorControlClient(baseURL: http.baseURL) }
    public var provider: String { emulator.options.provider.rawValue }
}
