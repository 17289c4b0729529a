import Foundation

extension SettingsCatalog {
    /// AI agents sold on Marketplace: Gemini Enterprise's registration of each order (docs/agents.md).
    static var agents: [Setting] {
        [
            .list(
                \.agentProducts,
                "agentProducts",
                "ENTITLE_AGENT_PRODUCTS",
                .agents,
                "the products sold as agents (`productExternalName`, as in `productPolicies`); set, Entitle "
                    + "serves Gemini Enterprise's client registration at `agentRegistrationPath`"
            ),
            .list(
                \.agentAudiences,
                "agentAudiences",
                "ENTITLE_AGENT_AUDIENCES",
                .agents,
                "your Agent Cards' `provider.url`, the software statements' `aud` (required with agent products)"
            ),
            .text(
                \.agentRegistrationPath,
                "agentRegistrationPath",
                "ENTITLE_AGENT_REGISTRATION_PATH",
                .agents,
                "where Gemini Enterprise registers: the path of your card's `target_url`"
            ),
            .text(
                \.agentRegistrarURL,
                "agentRegistrarURL",
                "ENTITLE_AGENT_REGISTRAR_URL",
                .agents,
                "your identity provider's RFC 7591 registration endpoint, where each order's client is created "
                    + "(required with agent products)"
            ),
            .text(
                \.agentRegistrarToken,
                "agentRegistrarToken",
                "ENTITLE_AGENT_REGISTRAR_TOKEN",
                .agents,
                secret: true,
                "the initial access token your identity provider issued for registering clients"
            ),
            .text(
                \.agentSecretKey,
                "agentSecretKey",
                "ENTITLE_AGENT_SECRET_KEY",
                .agents,
                secret: true,
                "the key agent clients' secrets are sealed with in the store, at least 32 characters (required "
                    + "with agent products)"
            ),
            .text(
                \.agentSecretKeyPrevious,
                "agentSecretKeyPrevious",
                "ENTITLE_AGENT_SECRET_KEY_PREVIOUS",
                .agents,
                secret: true,
                "while rotating: the old key, still opening what it sealed (docs/security.md, rotating secrets)"
            ),
        ]
    }
}
