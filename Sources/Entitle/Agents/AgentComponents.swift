import EntitleStore
import Foundation
import GoogleCloud
import Logging
import MarketplaceCore

/// What serving agents takes, built when `agentProducts` is set: the registration of each order's
/// client (its route) and the identity provider and seal the revoker shares.
struct AgentComponents {
    let registrations: AgentRegistrations
    let registrar: any ClientRegistrar
    let seal: CredentialSeal
    let path: String

    init?(
        _ configuration: EntitleConfiguration,
        store: any Store,
        endpoints: GoogleEndpoints,
        replica: String,
        logger: Logger
    ) throws {
        guard !configuration.agentProducts.isEmpty else { return nil }
        guard let url = configuration.agentRegistrarURL.flatMap(URL.init(string:)) else {
            throw ConfigurationError(setting: "agentRegistrarURL", problem: "agent products need it")
        }
        registrar = DynamicClientRegistrar(endpoint: url, initialAccessToken: configuration.agentRegistrarToken)
        seal = CredentialSeal(secrets: configuration.agentSecretKeys)
        path = configuration.agentRegistrationPath
        registrations = AgentRegistrations(
            store: store,
            verifier: SoftwareStatementVerifier(
                audiences: Set(configuration.agentAudiences),
                certificates: GoogleCertificateCache(url: endpoints.agentspaceCertificates, logger: logger)
            ),
            registrar: registrar,
            seal: seal,
            settings: AgentRegistrations.Settings(
                rules: AgentRegistrationRules(agentProducts: Set(configuration.agentProducts))
            ),
            replica: replica,
            logger: logger
        )
    }
}
