public import Entitle
public import EntitleStore
public import Foundation
public import GoogleCloud
import MarketplaceCore
import MarketplaceEmulator

/// Runs `entitle serve` in-process (`EntitleServer.build`) against a running emulator for the
/// length of `body`: on loopback, port 0, a real SQLite file, pulling from a subscription made
/// before anything is bought (Pub/Sub keeps nothing for a subscription made later), automatic
/// approval and resync off unless `configure` says otherwise.
public enum EntitleHarness {
    public static let subscription = "projects/vendor/subscriptions/entitle"

    /// - Parameter createSubscription: false leaves the subscription missing (a deployment error).
    public static func withEntitle<Value: Sendable>(
        _ running: RunningEmulator,
        storePath: String,
        createSubscription: Bool = true,
        configure: (inout EntitleConfiguration) -> Void = { _ in },
        _ body: @Sendable (RunningEntitle) async throws -> Value
    ) async throws -> Value {
        var configuration = EntitleConfiguration()
        configuration.httpPort = 0
        configuration.storeURL = storePath
        configuration.signupAudiences = ["localhost"]
        configuration.entitlementPolicy = .automatic
        configuration.resyncIntervalSeconds = 0
        configure(&configuration)
        let file = try JSONEncoder().encode(try await running.emulator.serviceAccountKeyFile())
        let key = try JSONDecoder().decode(ServiceAccountKey.self, from: file)
        let google = EntitleServer.Google(
            endpoints: .emulator(at: running.baseURL),
            credentials: try ServiceAccountTokenProvider(key: key),
            provider: running.emulator.options.provider,
            subscription: subscription,
            createSubscriptionOn: createSubscription ? running.emulator.options.topic : nil
        )
        if createSubscription {
            try await running.pubSubClient(try await running.transport()).createSubscription(
                subscription,
                PubSubSubscription(topic: running.emulator.options.topic)
            )
        }
        let built = try await EntitleServer.build(configuration, google: google)
        let transport = GoogleAPITransport(credentials: try ServiceAccountTokenProvider(key: key))
        let policies = configuration.policies
        return try await ServiceScope.run(built.services, label: "test.entitle") {
            let entitle = RunningEntitle(
                built: built,
                baseURL: URL(string: "http://127.0.0.1:\(await built.listening())/")!,
                transport: transport,
                procurement: ProcurementClient(
                    provider: google.provider,
                    baseURL: running.baseURL,
                    transport: transport
                ),
                policies: policies
            )
            return try await body(entitle)
        }
    }
}

/// An in-process `entitle serve` and what a test talks to it with.
public struct RunningEntitle: Sendable {
    public let built: EntitleServer.Built
    public let baseURL: URL
    /// Authenticated to the emulator as the vendor's service account.
    public let transport: GoogleAPITransport
    public let procurement: ProcurementClient
    public let policies: ApprovalPolicies

    public var store: any Store { built.store }

    /// A client of Entitle's HTTP API with this bearer token.
    public func client(bearer token: String) -> JSONHTTPClient {
        JSONHTTPClient(baseURL: baseURL, headers: ["Authorization": "Bearer \(token)"])
    }
}
