import EntitleStore
import MarketplaceCore

/// The callbacks that tell the vendor's app an agent order's client was registered or revoked.
enum AgentCallback {
    static func item(
        _ kind: CallbackKind,
        client: AgentClient,
        clientID: String,
        entitlement: Entitlement?,
        at time: Timestamp
    ) -> OutboxItem {
        let request = CallbackRequest(kind: kind, accountID: client.accountID, entitlementID: client.entitlementID)
        var message = CallbackMessage(
            request: request,
            cause: "agent-client:\(clientID)",
            eventID: nil,
            entitlement: entitlement,
            createdAt: time
        )
        message.clientId = clientID
        return message.outboxItem(request)
    }
}
