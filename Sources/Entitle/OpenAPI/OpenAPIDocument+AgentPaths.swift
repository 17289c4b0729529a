import MarketplaceCore

/// Agents: Gemini Enterprise's registration of each order, and the agent's look-up of the client
/// a token was issued to.
extension OpenAPIDocument {
    /// The registration's path when `agentRegistrationPath` is left as it is.
    public static var agentRegistrationPath: String { EntitleConfiguration().agentRegistrationPath }
    static let agentRegistrationID = "registerAgentClient"

    static var agentOperations: [OpenAPIOperation] {
        let refused = O.json(
            "RFC 7591 §3.2.2: invalid_software_statement (not a statement Google signed for this audience, "
                + "or expired), invalid_redirect_uri, unapproved_software_statement (the order is unknown, not of "
                + "an agent product, not in service, or its account is not active).",
            S.ref("AgentRegistrationError")
        )
        return [
            O(
                method: "post",
                path: agentRegistrationPath,
                id: agentRegistrationID,
                tag: "agents",
                summary:
                    "Gemini Enterprise registers itself as an OAuth client for one order of an agent (RFC 7591); "
                    + "the same client on every repeat. The path is agentRegistrationPath; the software statement "
                    + "is the credential.",
                body: O.jsonBody(S.ref("AgentRegistration"), "Google's signed software statement."),
                responses: [
                    201: O.json("The order's client, at your identity provider.", S.ref("AgentClientCredentials")),
                    400: refused,
                    413: O.json("The body is over 64 KiB.", S.ref("AgentRegistrationError")),
                    503: O.json(
                        "The identity provider or the store is away, or another request is creating the client: "
                            + "ask again after Retry-After.",
                        S.ref("AgentRegistrationError")
                    ),
                ]
            ),
            cachedRead(
                "/v1/agent-clients/{clientId}",
                "getAgentClient",
                "The order a Gemini Enterprise client (a token's client id) was registered for: whether to serve.",
                O.pathParameter("clientId", "The client id your identity provider issued."),
                "AppAgentClient",
                permission: .entitlementsRead,
                more: [404: O.problem("No agent client of that id.")]
            ),
        ]
    }

    static var agentSchemas: [String: JSONValue] {
        [
            "AgentRegistration": S.object(
                ["software_statement": S.described(S.nonEmptyString, "The JWT Gemini Enterprise was given by Google.")]
            ),
            "AgentClientCredentials": S.object(
                [
                    "client_id": S.string, "client_secret": S.string,
                    "client_secret_expires_at": S.described(S.integer, "0: the secret does not expire."),
                ]
            ),
            "AgentRegistrationError": S.object(["error": S.string, "error_description": S.string]),
            "AppAgentClient": S.object(
                [
                    "clientId": S.string, "state": S.oneOf(["active", "ended"]),
                    "inService": S.described(S.boolean, "Serve tokens of this client now."),
                    "entitlementId": S.string, "accountId": S.string, "redirectUris": S.array(S.string),
                ],
                optional: [
                    "entitlement": S.ref("AppEntitlement"), "registeredAt": S.time, "endedAt": S.time,
                ],
                description: "An order's OAuth client for Gemini Enterprise (AppAgentClientView)."
            ),
        ]
    }
}
