import EntitleStore
import Foundation
public import MarketplaceCore

/// The JSON a provisioning callback carries to the vendor's webhook. Its `id` is derived from
/// what caused it, so a redelivered notification that is processed again makes the same id and
/// the outbox (and the vendor) see one callback.
public struct CallbackMessage: Codable, Hashable, Sendable {
    public var id: String
    public var type: String
    public var createdAt: Timestamp
    public var accountId: String?
    public var entitlementId: String?
    /// The notification that caused it, when one did.
    public var eventId: String?
    /// The entitlement as last read from Google, when the callback is about one.
    public var entitlement: Entitlement?
    /// What happened, in words, where the type alone does not say (a failed usage check's error).
    public var detail: String?
    /// The person who came from Marketplace (`customer.signed_up`, `account.person_added`).
    public var user: CallbackUser?
    /// The OAuth client of an agent order (`agent.client_registered`, `agent.client_revoked`).
    public var clientId: String?

    public init(
        request: CallbackRequest,
        cause: String,
        eventID: String?,
        entitlement: Entitlement?,
        createdAt: Timestamp
    ) {
        id = Self.stableID(
            cause,
            request.kind.rawValue,
            request.accountID?.rawValue ?? "",
            request.entitlementID?.rawValue ?? ""
        )
        type = request.kind.rawValue
        self.createdAt = createdAt
        accountId = request.accountID?.rawValue
        entitlementId = request.entitlementID?.rawValue
        eventId = eventID
        self.entitlement = entitlement
    }

    /// A UUID-shaped digest of the parts (SHA-256, version 8 "custom").
    static func stableID(_ parts: String...) -> String { HashedUUID.v8(parts) }
}

extension CallbackMessage {
    /// The outbox row that carries this callback: its stable id, its kind, the JSON body.
    func outboxItem(_ request: CallbackRequest) -> OutboxItem {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        // These plain values always encode; "{}" only keeps the signature non-throwing.
        let body = (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return OutboxItem(
            id: id,
            kind: request.kind,
            accountID: request.accountID,
            entitlementID: request.entitlementID,
            body: body,
            createdAt: createdAt
        )
    }
}

/// The person of a callback: Google's obfuscated, stable id of their Google account, and roles.
public struct CallbackUser: Codable, Hashable, Sendable {
    public var identity: String?
    public var roles: [String]

    public init(identity: String?, roles: [String]) {
        self.identity = identity
        self.roles = roles
    }
}
