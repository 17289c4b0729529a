import Foundation
public import MarketplaceCore

/// Gemini Enterprise's OAuth clients of agent orders (`AgentClientSQL`).
extension SQLStore {
    public func agentClient(_ entitlement: EntitlementID) async throws -> AgentClient? {
        try await fetchOne(AgentClientSQL.find(entitlement), AgentClientSQL.client)
    }

    public func agentClient(clientID: String) async throws -> AgentClient? {
        try await fetchOne(AgentClientSQL.find(clientID: clientID), AgentClientSQL.client)
    }

    /// One transaction: the claim is inserted, or a stale one taken over, or what is there told.
    public func claimAgentClient(_ client: AgentClient, staleBefore: Timestamp) async throws -> AgentClientClaim {
        let claim = try AgentClientSQL.claim(client)
        let takeOver = try AgentClientSQL.takeOver(client, staleBefore: staleBefore)
        return try await write(
            Steps { rows in
                switch rows.count {
                case 0: return .read([claim])
                case 1 where !rows[0].isEmpty: return .write([], .claimed)
                case 1: return .read([takeOver])
                case 2 where !rows[1].isEmpty: return .write([], .claimed)
                case 2: return .read([AgentClientSQL.find(client.entitlementID)])
                default:
                    guard let found = try rows[2].first.map(AgentClientSQL.client) else {
                        // Abandoned between the two statements: the caller asks again.
                        return .write([], .busy)
                    }
                    return .write([], found.state == .registering ? .busy : .existing(found))
                }
            }
        )
    }

    public func completeAgentClient(
        _ entitlement: EntitlementID,
        claimant: String,
        clientID: String,
        sealedCredentials: String,
        at: Timestamp,
        callback: OutboxItem?
    ) async throws -> Bool {
        let sql = AgentClientSQL.complete(
            entitlement,
            claimant: claimant,
            clientID: clientID,
            sealedCredentials: sealedCredentials,
            at: at
        )
        return try await write(ChangeWithCallback(sql: sql, callback: callback))
    }

    public func abandonAgentClient(_ entitlement: EntitlementID, claimant: String) async throws {
        try await execute(AgentClientSQL.abandon(entitlement, claimant: claimant))
    }

    public func agentClients(sealedOtherThan prefix: String, limit: Int) async throws -> [AgentClient] {
        try await fetch(AgentClientSQL.sealedOtherwise(prefix: prefix, limit: limit), AgentClientSQL.client)
    }

    public func resealAgentClient(_ entitlement: EntitlementID, from old: String, to new: String) async throws -> Bool {
        try await changed(AgentClientSQL.reseal(entitlement, from: old, to: new)) == 1
    }

    public func agentClientsToEnd(limit: Int) async throws -> [AgentClient] {
        try await fetch(AgentClientSQL.toEnd(limit: limit), AgentClientSQL.client)
    }

    public func endAgentClient(_ entitlement: EntitlementID, at: Timestamp, callback: OutboxItem?) async throws -> Bool
    {
        try await write(ChangeWithCallback(sql: AgentClientSQL.end(entitlement, at: at), callback: callback))
    }
}

/// A change (its statement says `RETURNING 1`) and, when it changed a row, a callback queued in the
/// same transaction, so that the app hears of exactly what happened.
struct ChangeWithCallback: StorePlan {
    let sql: StoreSQL
    let callback: OutboxItem?
    private var asked = false

    init(sql: StoreSQL, callback: OutboxItem?) {
        self.sql = sql
        self.callback = callback
    }

    mutating func next(_ answers: [[any StoreRow]]) throws -> StorePlanStep<Bool> {
        guard asked else {
            asked = true
            return .read([sql])
        }
        let changed = !answers[0].isEmpty
        return .write(changed ? callback.map { [CommitSQL.insert($0)] } ?? [] : [], changed)
    }
}
