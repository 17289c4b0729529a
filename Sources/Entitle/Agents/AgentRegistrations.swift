public import EntitleStore
public import Foundation
public import GoogleCloud
public import Logging
public import MarketplaceCore

/// Gemini Enterprise's registration of a purchased agent, once per order: the software statement
/// verified, the order checked (`AgentRegistrationRules`), then one client at the identity
/// provider per order, whoever asks and however often. The store's claim makes one request (on
/// any replica) create it; the others wait for it and answer the same pair. The secret is kept
/// sealed (`CredentialSeal`), because every repeat must return it.
public struct AgentRegistrations: Sendable {
    public struct Settings: Sendable {
        public var rules: AgentRegistrationRules
        /// A claim older than this is taken over: its holder stopped before it finished.
        public var staleClaimSeconds: Int64 = 60
        /// How long a request waits for another that is creating the same order's client.
        public var waitForOtherSeconds: Double = 15

        public init(rules: AgentRegistrationRules) { self.rules = rules }
    }

    /// What Gemini Enterprise is given.
    public struct Client: Hashable, Sendable {
        public var clientID: String
        public var clientSecret: String
    }

    /// A registration that cannot be answered now (the identity provider or the store is away,
    /// or another request is still creating the client): asking again later may succeed.
    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String
    }

    let store: any Store
    let verifier: SoftwareStatementVerifier
    let registrar: any ClientRegistrar
    let seal: CredentialSeal
    let settings: Settings
    let replica: String
    let logger: Logger
    let now: @Sendable () -> Timestamp

    public init(
        store: any Store,
        verifier: SoftwareStatementVerifier,
        registrar: any ClientRegistrar,
        seal: CredentialSeal,
        settings: Settings,
        replica: String,
        logger: Logger,
        now: @escaping @Sendable () -> Timestamp = { Timestamp(Date()) }
    ) {
        self.store = store
        self.verifier = verifier
        self.registrar = registrar
        self.seal = seal
        self.settings = settings
        self.replica = replica
        self.logger = logger
        self.now = now
    }

    /// - Throws: `AgentRegistrationRules.Refusal` (answered 400), `Unavailable` or
    ///   `StoreError.unavailable` (answered 503).
    public func register(statement: String) async throws -> Client {
        let claims: SoftwareStatementVerifier.Claims
        do { claims = try await verifier.verify(statement) } catch {
            throw AgentRegistrationRules.Refusal.invalidStatement("\(error)")
        }
        if let refusal = AgentRegistrationRules.redirectProblem(claims.redirectURIs) { throw refusal }
        let entitlement = AgentRegistrationRules.entitlement(
            forOrder: claims.order,
            among: try await store.entitlements(ofAccount: claims.accountID)
        )
        let account = try await store.account(claims.accountID)
        if let refusal = settings.rules.refusal(order: claims.order, entitlement: entitlement, account: account) {
            throw refusal
        }
        guard let entitlement else { throw AgentRegistrationRules.Refusal.unapproved("unknown order") }
        return try await client(for: entitlement, claims)
    }

    private func client(
        for order: LocalEntitlement,
        _ claims: SoftwareStatementVerifier.Claims
    ) async throws
        -> Client
    {
        let entitlement = order.id
        let claimant = "\(replica)/\(UUID().uuidString)"
        let waitUntil = Date().addingTimeInterval(settings.waitForOtherSeconds)
        while true {
            let start = now()
            let asked = AgentClient(
                entitlementID: entitlement,
                accountID: claims.accountID,
                redirectURIs: claims.redirectURIs,
                claimant: claimant,
                claimedAt: start
            )
            let stale = Timestamp(seconds: start.seconds - settings.staleClaimSeconds, nanos: start.nanos)
            switch try await store.claimAgentClient(asked, staleBefore: stale) {
            case .existing(let found) where found.state == AgentClient.State.active:
                return try open(found)
            case .existing:
                throw AgentRegistrationRules.Refusal.unapproved("the order's client was revoked")
            case .busy:
                guard Date() < waitUntil else {
                    throw Unavailable(description: "another registration of this order is still under way")
                }
                try await Task.sleep(for: .milliseconds(200))
            case .claimed:
                if let created = try await create(asked, order, claims) { return created }
                // The claim was taken over while the provider answered: ask again, within the same wait.
                guard Date() < waitUntil else {
                    throw Unavailable(description: "the order's registration kept changing hands")
                }
            }
        }
    }

    /// Creates the client and records it; nil when the claim was taken over meanwhile (the client
    /// just made is deleted again, and the caller asks afresh).
    private func create(
        _ claim: AgentClient,
        _ order: LocalEntitlement,
        _ claims: SoftwareStatementVerifier.Claims
    ) async throws -> Client? {
        let (entitlement, claimant) = (claim.entitlementID, claim.claimant ?? "")
        let registered: RegisteredClient
        do {
            registered = try await registrar.register(
                ClientRegistrationRequest(
                    clientName: "Gemini Enterprise, order \(claims.order)",
                    redirectURIs: claims.redirectURIs
                )
            )
        } catch {
            try? await store.abandonAgentClient(entitlement, claimant: claimant)
            switch error {
            case .refused(let code, let description):
                throw AgentRegistrationRules.Refusal(error: code, description: description)
            case .unavailable(let reason):
                logger.error(
                    "agent client not created",
                    metadata: ["entitlement": "\(entitlement)", "error": "\(reason)"]
                )
                throw Unavailable(description: "the identity provider is unavailable")
            }
        }
        let sealed = try registered.sealed(with: seal)
        let recorded: Bool
        let time = now()
        do {
            recorded = try await store.completeAgentClient(
                entitlement,
                claimant: claimant,
                clientID: registered.clientID,
                sealedCredentials: sealed,
                at: time,
                callback: AgentCallback.item(
                    .agentClientRegistered,
                    client: claim,
                    clientID: registered.clientID,
                    entitlement: order.resource,
                    at: time
                )
            )
        } catch {
            await discard(registered, entitlement)
            throw error
        }
        guard recorded else {
            await discard(registered, entitlement)
            return nil
        }
        logger.info(
            "agent client registered",
            metadata: ["entitlement": "\(entitlement)", "client": "\(registered.clientID.bounded())"]
        )
        return Client(clientID: registered.clientID, clientSecret: registered.clientSecret)
    }

    /// A client made for a claim that was lost, or never recorded: nobody will be given it.
    private func discard(_ client: RegisteredClient, _ entitlement: EntitlementID) async {
        do { try await registrar.delete(client) } catch {
            logger.error(
                "agent client made but not recorded, and not deleted: delete it at the identity provider",
                metadata: [
                    "entitlement": "\(entitlement)", "client": "\(client.clientID.bounded())", "error": "\(error)",
                ]
            )
        }
    }

    func open(_ client: AgentClient) throws -> Client {
        do {
            let registered = try RegisteredClient(sealed: client.sealedCredentials, seal: seal)
            return Client(clientID: registered.clientID, clientSecret: registered.clientSecret)
        } catch {
            // A key removed before the rotation finished: nothing to give until it is back.
            logger.error(
                "agent client credentials do not open: is agentSecretKey(Previous) the key that sealed them?",
                metadata: ["entitlement": "\(client.entitlementID)", "error": "\(error)"]
            )
            throw Unavailable(description: "the order's client cannot be read now")
        }
    }
}
