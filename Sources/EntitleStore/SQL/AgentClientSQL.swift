import Foundation
import MarketplaceCore

/// Gemini Enterprise's OAuth clients, one per agent order.
enum AgentClientSQL {
    static func find(_ entitlement: EntitlementID) -> StoreSQL {
        "SELECT * FROM agent_client WHERE entitlement_id = \(entitlement.rawValue)"
    }

    static func find(clientID: String) -> StoreSQL {
        "SELECT * FROM agent_client WHERE client_id = \(clientID)"
    }

    /// The primary key makes one claim win when two registrations of an order race.
    static func claim(_ client: AgentClient) throws -> StoreSQL {
        """
        INSERT INTO agent_client (entitlement_id, account_id, redirect_uris, state, claimant, claimed_at)
        VALUES (\(client.entitlementID.rawValue), \(client.accountID.rawValue),
            \(try StoreJSON.encode(client.redirectURIs)), \(AgentClient.State.registering.rawValue),
            \(client.claimant), \(client.claimedAt))
        ON CONFLICT (entitlement_id) DO NOTHING RETURNING 1
        """
    }

    /// Takes over a claim whose holder stopped before it finished (a crash, a lost replica).
    static func takeOver(_ client: AgentClient, staleBefore: Timestamp) throws -> StoreSQL {
        """
        UPDATE agent_client SET claimant = \(client.claimant), claimed_at = \(client.claimedAt),
            redirect_uris = \(try StoreJSON.encode(client.redirectURIs))
        WHERE entitlement_id = \(client.entitlementID.rawValue)
            AND state = \(AgentClient.State.registering.rawValue) AND claimed_at < \(staleBefore)
        RETURNING 1
        """
    }

    static func complete(
        _ entitlement: EntitlementID,
        claimant: String,
        clientID: String,
        sealedCredentials: String,
        at: Timestamp
    ) -> StoreSQL {
        """
        UPDATE agent_client SET state = \(AgentClient.State.active.rawValue), client_id = \(clientID),
            sealed_credentials = \(sealedCredentials), registered_at = \(at), claimant = NULL
        WHERE entitlement_id = \(entitlement.rawValue) AND claimant = \(claimant)
            AND state = \(AgentClient.State.registering.rawValue)
        RETURNING 1
        """
    }

    static func abandon(_ entitlement: EntitlementID, claimant: String) -> StoreSQL {
        """
        DELETE FROM agent_client WHERE entitlement_id = \(entitlement.rawValue) AND claimant = \(claimant)
            AND state = \(AgentClient.State.registering.rawValue)
        """
    }

    /// Active clients whose order is out of service, gone, or no longer known.
    static func toEnd(limit: Int) -> StoreSQL {
        """
        SELECT agent_client.* FROM agent_client
        LEFT JOIN entitlement ON entitlement.id = agent_client.entitlement_id
        WHERE agent_client.state = \(AgentClient.State.active.rawValue)
            AND (entitlement.id IS NULL OR entitlement.deleted
                OR entitlement.state IS NULL OR entitlement.state NOT IN (\(list: inService)))
        ORDER BY agent_client.entitlement_id LIMIT \(Int64(limit))
        """
    }

    /// The states `EntitlementState.isInService` holds for, as stored.
    private static let inService = EntitlementState.knownCases.filter(\.isInService).map(\.rawValue)

    /// The sealed credentials are dropped with the client: nothing can use them any more.
    static func end(_ entitlement: EntitlementID, at: Timestamp) -> StoreSQL {
        """
        UPDATE agent_client SET state = \(AgentClient.State.ended.rawValue), ended_at = \(at),
            sealed_credentials = NULL
        WHERE entitlement_id = \(entitlement.rawValue) AND state = \(AgentClient.State.active.rawValue)
        RETURNING 1
        """
    }

    /// Active clients whose credentials are sealed with another key than the one `prefix` names
    /// (`v1.<hex>.`: no `_` or `%` for LIKE to read as patterns).
    static func sealedOtherwise(prefix: String, limit: Int) -> StoreSQL {
        """
        SELECT * FROM agent_client WHERE state = \(AgentClient.State.active.rawValue)
            AND sealed_credentials NOT LIKE \(prefix + "%")
        ORDER BY entitlement_id LIMIT \(Int64(limit))
        """
    }

    /// Replaces the sealed credentials only if they are still what was read.
    static func reseal(_ entitlement: EntitlementID, from old: String, to new: String) -> StoreSQL {
        """
        UPDATE agent_client SET sealed_credentials = \(new)
        WHERE entitlement_id = \(entitlement.rawValue) AND sealed_credentials = \(old) RETURNING 1
        """
    }

    static func client(_ row: any StoreRow) throws -> AgentClient {
        let state: String = try row.get("state")
        return AgentClient(
            entitlementID: try EntitlementID(row.get("entitlement_id", as: String.self)),
            accountID: try AccountID(row.get("account_id", as: String.self)),
            redirectURIs: try row.json("redirect_uris"),
            state: AgentClient.State(rawValue: state) ?? .ended,
            clientID: try row.get("client_id"),
            sealedCredentials: try row.get("sealed_credentials"),
            claimant: try row.get("claimant"),
            claimedAt: try row.time("claimed_at"),
            registeredAt: try row.timeIfAny("registered_at"),
            endedAt: try row.timeIfAny("ended_at")
        )
    }
}
