public import GoogleCloud
import MarketplaceCore

/// Which Google `entitle serve` talks to. Production when credentials are found; sandbox (the
/// built-in emulator) only when nothing of production is configured and none are found, or when
/// asked for: production settings without credentials are an error naming every place looked in,
/// never a quiet sandbox writing emulator data into the vendor's store.
public enum ServeMode: Hashable, Sendable {
    case production
    case sandbox

    /// Production settings are present but no credentials were found.
    public struct MissingCredentials: Error, CustomStringConvertible {
        public var settings: [String]
        public var tried: [String]
        public var description: String {
            """
            no Google credentials found, but production settings are set \
            (\(settings.joined(separator: ", "))), so Entitle does not start sandbox mode. Looked in:
            \(tried.map { "  - \($0)" }.joined(separator: "\n"))
            Give credentials (googleCredentials / ENTITLE_GOOGLE_CREDENTIALS, GOOGLE_APPLICATION_CREDENTIALS, \
            or run where the metadata server answers), or pass --sandbox to run against the built-in emulator.
            """
        }
    }

    /// The settings that say production is meant.
    public static func productionSettings(_ configuration: EntitleConfiguration) -> [String] {
        [
            ("providerID", configuration.providerID), ("subscription", configuration.subscription),
            ("pushServiceAccount", configuration.pushServiceAccount),
        ].compactMap { $0.1 == nil ? nil : $0.0 }
    }

    /// - Parameters:
    ///   - sandboxAsked: `--sandbox`.
    ///   - credentialsFound: whether the credential search found any (it is not run with `--sandbox`).
    ///   - tried: where the search looked, for the error.
    /// - Throws: `MissingCredentials` when production is configured and no credentials were found.
    public static func decide(
        _ configuration: EntitleConfiguration,
        sandboxAsked: Bool,
        credentialsFound: Bool,
        tried: [String]
    ) throws(MissingCredentials) -> ServeMode {
        if sandboxAsked { return .sandbox }
        if credentialsFound { return .production }
        let production = productionSettings(configuration)
        guard production.isEmpty else { throw MissingCredentials(settings: production, tried: tried) }
        return .sandbox
    }
}

extension EntitleServer.Google {
    /// Production's Google: the settings production needs are checked here.
    public static func production(
        _ configuration: EntitleConfiguration,
        endpoints: GoogleEndpoints,
        credentials: any AccessTokenProvider
    ) throws -> EntitleServer.Google {
        guard let provider = configuration.providerID else {
            throw ConfigurationError(setting: "providerID", problem: "is required with Google credentials")
        }
        guard configuration.delivery == "push" || configuration.subscription != nil else {
            throw ConfigurationError(
                setting: "subscription",
                problem: "(projects/{p}/subscriptions/{s}) is required for pull delivery"
            )
        }
        guard !configuration.signupAudiences.isEmpty else {
            throw ConfigurationError(setting: "signupAudiences", problem: "(your product domains) is required")
        }
        return EntitleServer.Google(
            endpoints: endpoints,
            credentials: credentials,
            provider: try ProviderID(provider),
            subscription: configuration.subscription ?? ""
        )
    }
}
