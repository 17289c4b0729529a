import EntitleStore
import Foundation
import MarketplaceCore

/// Gemini Enterprise's OAuth clients of agent orders.
extension StoreConformance {
    static let agentChecks: [String: Check] = [
        "agent clients: one claim per order, a stale one taken over, resealed, ended when the order leaves service":
            agentClients,
        "agent clients: of eight concurrent claims of one order exactly one wins": concurrentAgentClaims,
    ]

    static func agentClaim(_ entitlement: EntitlementID, claimant: String, at seconds: Int64) -> AgentClient {
        AgentClient(
            entitlementID: entitlement,
            accountID: try! AccountID("A-1"),
            redirectURIs: ["https://gemini.example.com/cb"],
            claimant: claimant,
            claimedAt: Timestamp(seconds: seconds)
        )
    }

    static func agentClients(_ store: any Store) async throws {
        let id = unique("E")
        let entitlement = try EntitlementID(id)
        _ = try await store.commit(StoreCommit(entitlements: [self.entitlement(id)]))
        let first = try await store.claimAgentClient(
            agentClaim(entitlement, claimant: "r1", at: 100),
            staleBefore: .init(seconds: 40)
        )
        try require(first == .claimed, "the first claim wins: \(first)")
        let busy = try await store.claimAgentClient(
            agentClaim(entitlement, claimant: "r2", at: 110),
            staleBefore: .init(seconds: 50)
        )
        try require(busy == .busy, "a live claim keeps others waiting: \(busy)")
        // r1 stopped: after the claim's life another takes it over, and r1 can no longer record.
        let taken = try await store.claimAgentClient(
            agentClaim(entitlement, claimant: "r2", at: 200),
            staleBefore: .init(seconds: 140)
        )
        try require(taken == .claimed, "a stale claim is taken over: \(taken)")
        let late = try await store.completeAgentClient(
            entitlement,
            claimant: "r1",
            clientID: unique("late"),
            sealedCredentials: "v1.x.y",
            at: Timestamp(seconds: 210),
            callback: callback("late-\(id)", at: 210, entitlement: id)
        )
        try require(!late, "the claim's former holder records nothing")
        let clientID = unique("client")
        let recorded = try await store.completeAgentClient(
            entitlement,
            claimant: "r2",
            clientID: clientID,
            sealedCredentials: "v1.k.sealed",
            at: Timestamp(seconds: 220),
            callback: callback("registered-\(id)", at: 220, entitlement: id)
        )
        try require(recorded, "the holder records its client")
        let repeatClaim = try await store.claimAgentClient(
            agentClaim(entitlement, claimant: "r3", at: 300),
            staleBefore: .init(seconds: 240)
        )
        guard case .existing(let existing) = repeatClaim else {
            throw StoreConformanceFailure(message: "a repeat finds the client: \(repeatClaim)")
        }
        try require(
            existing.clientID == clientID && existing.state == .active && existing.sealedCredentials == "v1.k.sealed"
                && existing.registeredAt == Timestamp(seconds: 220)
                && existing.redirectURIs == ["https://gemini.example.com/cb"],
            "the client reads back: \(existing)"
        )
        try require(try await store.agentClient(clientID: clientID) == existing, "read by client id")
        try require(try await store.agentClient(entitlement) == existing, "read by entitlement")
        try require(
            try await store.agentClientsToEnd(limit: 100).allSatisfy { $0.entitlementID != entitlement },
            "in service"
        )

        // A key rotation: found while sealed with another key, replaced only if unchanged since read.
        let otherKey = try await store.agentClients(sealedOtherThan: "v1.n.", limit: 1000).map(\.entitlementID)
        try require(otherKey.contains(entitlement), "sealed with another key than n")
        let current = try await store.agentClients(sealedOtherThan: "v1.k.", limit: 1000).map(\.entitlementID)
        try require(!current.contains(entitlement), "sealed with k")
        try require(!(try await store.resealAgentClient(entitlement, from: "v1.x.y", to: "v1.n.z")), "not if changed")
        try require(try await store.resealAgentClient(entitlement, from: "v1.k.sealed", to: "v1.n.sealed"), "resealed")
        try require(try await store.agentClient(entitlement)?.sealedCredentials == "v1.n.sealed", "reads resealed")

        _ = try await store.commit(StoreCommit(entitlements: [self.entitlement(id, state: .cancelled, updated: 200)]))
        let due = try await store.agentClientsToEnd(limit: 100).filter { $0.entitlementID == entitlement }
        try require(due.count == 1, "a cancelled order's client is due to end")
        try require(
            try await store.endAgentClient(
                entitlement,
                at: Timestamp(seconds: 400),
                callback: callback("revoked-\(id)", at: 400, entitlement: id)
            ),
            "ended"
        )
        try require(
            !(try await store.endAgentClient(
                entitlement,
                at: Timestamp(seconds: 401),
                callback: callback("again-\(id)", at: 401, entitlement: id)
            )),
            "ended once"
        )
        let told = try await store.callbacks(subject: "entitlements/\(id)", limit: 10).map(\.id).sorted()
        try require(told == ["registered-\(id)", "revoked-\(id)"], "callbacks only with what changed: \(told)")
        let ended = try await store.agentClient(clientID: clientID)
        try require(
            ended?.state == .ended && ended?.endedAt == Timestamp(seconds: 400) && ended?.sealedCredentials == nil,
            "kept as ended, its credentials dropped: \(String(describing: ended))"
        )
        try require(
            try await store.agentClientsToEnd(limit: 100).allSatisfy { $0.entitlementID != entitlement },
            "done"
        )

        // A claim given up leaves nothing behind.
        let other = try EntitlementID(unique("E"))
        _ = try await store.claimAgentClient(
            agentClaim(other, claimant: "r1", at: 100),
            staleBefore: .init(seconds: 40)
        )
        try await store.abandonAgentClient(other, claimant: "r1")
        try require(try await store.agentClient(other) == nil, "abandoned")
    }

    static func concurrentAgentClaims(_ store: any Store) async throws {
        let entitlement = try EntitlementID(unique("E"))
        let claims = try await withThrowingTaskGroup(of: AgentClientClaim.self) { group in
            for index in 0..<8 {
                group.addTask {
                    try await store.claimAgentClient(
                        agentClaim(entitlement, claimant: "r\(index)", at: 100),
                        staleBefore: Timestamp(seconds: 40)
                    )
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        try require(claims.filter { $0 == .claimed }.count == 1, "one winner: \(claims)")
        try require(claims.filter { $0 == .busy }.count == 7, "the others wait: \(claims)")
    }
}
