public import EntitleStore
public import Foundation
public import Logging
public import MarketplaceCore
public import ServiceLifecycle

/// Ends the client of every agent order that left service (cancelled, suspended, deleted):
/// deleted at the identity provider, so Gemini Enterprise gets no more tokens for it, then marked
/// ended (the mapping kept). A pass every `interval` on the leading replica; one that fails (the
/// provider away) leaves the client active, and the next pass tries again. The same pass re-seals
/// credentials sealed with a key being retired (`agentSecretKeyPrevious`), so a rotation ends.
public struct AgentClientRevoker: Service {
    let store: any Store
    let registrar: any ClientRegistrar
    let seal: CredentialSeal
    let interval: Duration
    let leadership: any LeaderElection
    let logger: Logger
    let now: @Sendable () -> Timestamp

    public init(
        store: any Store,
        registrar: any ClientRegistrar,
        seal: CredentialSeal,
        interval: Duration = .seconds(5),
        leadership: any LeaderElection,
        logger: Logger,
        now: @escaping @Sendable () -> Timestamp = { Timestamp(Date()) }
    ) {
        self.store = store
        self.registrar = registrar
        self.seal = seal
        self.interval = interval
        self.leadership = leadership
        self.logger = logger
        self.now = now
    }

    public func run() async throws {
        await LeaderPasses(interval: interval, leadership: leadership, logger: logger, name: "agent client pass").run {
            try await revokeAll()
            try await resealAll()
        }
    }

    /// Ends what is due; answers how many clients were ended.
    @discardableResult
    public func revokeAll(batch: Int = 100) async throws -> Int {
        var ended = 0
        var failed: Set<EntitlementID> = []
        while !Task.isCancelled {
            let due = try await store.agentClientsToEnd(limit: batch + failed.count).filter {
                !failed.contains($0.entitlementID)
            }
            guard !due.isEmpty else { break }
            for client in due {
                do {
                    try await revoke(client)
                    ended += 1
                } catch {
                    failed.insert(client.entitlementID)
                    logger.error(
                        "agent client not deleted; tried again next pass",
                        metadata: ["entitlement": "\(client.entitlementID)", "error": "\(error)"]
                    )
                }
            }
        }
        return ended
    }

    /// Seals again with the current key what an older one sealed; answers how many.
    @discardableResult
    public func resealAll(batch: Int = 100) async throws -> Int {
        guard let prefix = seal.currentPrefix else { return 0 }
        var resealed = 0
        while !Task.isCancelled {
            let due = try await store.agentClients(sealedOtherThan: prefix, limit: batch)
            guard !due.isEmpty else { break }
            for client in due {
                guard let old = client.sealedCredentials else { continue }
                if try await store.resealAgentClient(client.entitlementID, from: old, to: try seal.reseal(old)) {
                    resealed += 1
                }
            }
        }
        if resealed > 0 {
            logger.info("agent client credentials sealed with the current key", metadata: ["count": "\(resealed)"])
        }
        return resealed
    }

    private func revoke(_ client: AgentClient) async throws {
        let registered = try RegisteredClient(sealed: client.sealedCredentials, seal: seal)
        try await registrar.delete(registered)
        let time = now()
        let callback = AgentCallback.item(
            .agentClientRevoked,
            client: client,
            clientID: registered.clientID,
            entitlement: try await store.entitlement(client.entitlementID)?.resource,
            at: time
        )
        if try await store.endAgentClient(client.entitlementID, at: time, callback: callback) {
            logger.info(
                "agent client revoked: its order left service",
                metadata: ["entitlement": "\(client.entitlementID)", "client": "\(registered.clientID.bounded())"]
            )
        }
    }
}
