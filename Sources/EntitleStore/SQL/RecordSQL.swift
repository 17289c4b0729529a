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
        var account: LocalAccount = try row.json("record")
        let signedUp = try row.get("signed_up", as: Bool.self)
        account.isSignedUp = account.isSignedUp || signedUp
        return account
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

/// The records one notification's decision needs, read in one transaction.
struct DecisionRecordsPlan: StorePlan {
    let eventID: String?
    let entitlement: EntitlementID?
    let account: AccountID?
    private var records = DecisionRecords()
    private var stage = 0

    init(eventID: String?, entitlement: EntitlementID?, account: AccountID?) {
        self.eventID = eventID
        self.entitlement = entitlement
        self.account = account
    }

    mutating func next(_ answers: [[any StoreRow]]) throws -> StorePlanStep<DecisionRecords> {
        stage += 1
        switch stage {
        case 1:
            return .read(
                [eventID.map(RecordSQL.isProcessed), entitlement.map(RecordSQL.entitlement)].compactMap { $0 }
            )
        case 2:
            var answers = answers[...]
            if eventID != nil { records.isProcessed = !answers.removeFirst().isEmpty }
            if entitlement != nil { records.entitlement = try answers.removeFirst().first.map(RecordSQL.record) }
            // The entitlement's own account, when it names one.
            guard let id = records.entitlement?.accountID ?? account else { return .write([], records) }
            return .read([RecordSQL.account(id)])
        default:
            records.account = try answers.first?.first.map(RecordSQL.account)
            return .write([], records)
        }
    }
}
