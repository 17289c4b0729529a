import Foundation
import MarketplaceCore

/// Reading what the notifications wrote: accounts, entitlements, the audit log, poison messages.
enum RecordSQL {
    static func isProcessed(_ eventID: String) -> StoreSQL { "SELECT 1 FROM inbox WHERE event_id = \(eventID)" }

    static func entitlement(_ id: EntitlementID) -> StoreSQL {
        "SELECT record FROM entitlement WHERE id = \(id.rawValue)"
    }

    static func account(_ id: AccountID) -> StoreSQL {
        "SELECT record, signed_up FROM account WHERE id = \(id.rawValue)"
    }

    /// An account's record; signed up if its column says so (`CommitSQL.upsert` keeps that column
    /// set once a sign-up set it, whatever record a slower writer brings afterwards).
    static func account(_ row: any StoreRow) throws -> LocalAccount {
        try account(record: row.get("record"), signedUp: row.get("signed_up"))
    }

    private static func account(record: String, signedUp: Bool) throws -> LocalAccount {
        var account: LocalAccount = try StoreJSON.decode(record)
        account.isSignedUp = account.isSignedUp || signedUp
        return account
    }

    /// What one notification's decision starts from, in one statement (one round trip, and one
    /// snapshot on PostgreSQL, where a read runs outside a transaction): whether the event was
    /// processed, the entitlement, and its account — or, for an account's event, the account.
    static func decisionRecords(eventID: String?, entitlement: EntitlementID?, account: AccountID?) -> StoreSQL {
        """
        SELECT EXISTS (SELECT 1 FROM inbox WHERE event_id = \(eventID)) AS processed,
            e.record AS entitlement_record, a.record AS account_record, a.signed_up AS account_signed_up
        FROM (SELECT 1 AS one) AS asked
        LEFT JOIN entitlement e ON e.id = \(entitlement?.rawValue)
        LEFT JOIN account a ON a.id = COALESCE(e.account_id, \(account?.rawValue))
        """
    }

    static func decisionRecords(_ row: any StoreRow) throws -> DecisionRecords {
        let record: String? = try row.get("account_record")
        return DecisionRecords(
            isProcessed: try row.get("processed"),
            entitlement: try row.get("entitlement_record", as: String?.self).map { try StoreJSON.decode($0) },
            account: try record.map { try account(record: $0, signedUp: try row.get("account_signed_up")) }
        )
    }

    static func entitlements(ofAccount account: AccountID) -> StoreSQL {
        "SELECT record FROM entitlement WHERE account_id = \(account.rawValue) ORDER BY id"
    }

    static func entitlements(state: EntitlementState?, after: EntitlementID?, limit: Int) -> StoreSQL {
        """
        SELECT record FROM entitlement WHERE (CAST(\(state?.rawValue) AS TEXT) IS NULL OR state = \(state?.rawValue))
            AND id > \(after?.rawValue ?? "") ORDER BY id LIMIT \(limit)
        """
    }

    static func entitlements(matching filter: EntitlementFilter, after: EntitlementID?, limit: Int) -> StoreSQL {
        """
        SELECT record FROM entitlement
        WHERE (CAST(\(filter.state?.rawValue) AS TEXT) IS NULL OR state = \(filter.state?.rawValue))
            AND (CAST(\(filter.product) AS TEXT) IS NULL OR product = \(filter.product))
            AND (CAST(\(filter.plan) AS TEXT) IS NULL OR plan = \(filter.plan))
            AND (CAST(\(filter.account?.rawValue) AS TEXT) IS NULL OR account_id = \(filter.account?.rawValue))
            AND (\(filter.includeDeleted) OR NOT deleted) AND id > \(after?.rawValue ?? "")
        ORDER BY id LIMIT \(limit)
        """
    }

    static func auditLog(subject: String?, limit: Int) -> StoreSQL {
        if let subject {
            "SELECT * FROM audit_log WHERE subject = \(subject) ORDER BY id DESC LIMIT \(limit)"
        } else {
            "SELECT * FROM audit_log ORDER BY id DESC LIMIT \(limit)"
        }
    }

    static func auditEntry(_ row: any StoreRow) throws -> AuditEntry {
        AuditEntry(
            id: try row.get("id"),
            at: try row.time("at"),
            kind: AuditEntry.Kind(rawValue: try row.get("kind")) ?? .action,
            subject: try row.get("subject"),
            eventID: try row.get("event_id"),
            summary: try row.get("summary"),
            payload: try row.get("payload")
        )
    }

    static func insert(_ message: PoisonMessage) throws -> StoreSQL {
        """
        INSERT INTO poison_message (message_id, data, attributes, reason, received_at)
        VALUES (\(message.messageID), \(message.data), \(try StoreJSON.encode(message.attributes)), \(message.reason),
            \(message.receivedAt))
        """
    }

    static func poisonMessages(limit: Int) -> StoreSQL {
        "SELECT * FROM poison_message ORDER BY id DESC LIMIT \(limit)"
    }

    static func poisonMessage(_ row: any StoreRow) throws -> PoisonMessage {
        PoisonMessage(
            id: try row.get("id"),
            messageID: try row.get("message_id"),
            data: try row.get("data"),
            attributes: try row.json("attributes"),
            reason: try row.get("reason"),
            receivedAt: try row.time("received_at")
        )
    }

    /// A stored record (an account's or an entitlement's JSON).
    static func record<Record: Decodable>(_ row: any StoreRow) throws -> Record { try row.json("record") }
}
