import Foundation
import GRDB
import MarketplaceCore

/// The rows one commit writes.
extension SQLiteStore {
    /// The newer copy wins whatever the order of commits: a copy older than the stored one
    /// (another replica's re-read that lost the race) changes nothing.
    static func upsert(_ account: LocalAccount, _ db: Database) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO account (id, record, signed_up, erased, update_time, updated_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET record = excluded.record, signed_up = excluded.signed_up,
                    erased = excluded.erased, update_time = excluded.update_time, updated_at = excluded.updated_at
                WHERE account.update_time IS NULL OR excluded.update_time IS NULL OR excluded.update_time >= account.update_time
                """
        ).execute(
            arguments: [
                account.id.rawValue, try encode(account), account.isSignedUp, account.isErased, account.updateTime?.micros, Timestamp(Date()).micros,
            ]
        )
    }

    static func upsert(_ entitlement: LocalEntitlement, _ db: Database) throws {
        let resource = entitlement.resource
        try db.cachedStatement(
            sql: """
                INSERT INTO entitlement (id, account_id, product, plan, state, deleted, record, update_time, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET account_id = excluded.account_id, product = excluded.product, plan = excluded.plan,
                    state = excluded.state, deleted = excluded.deleted, record = excluded.record, update_time = excluded.update_time,
                    updated_at = excluded.updated_at
                WHERE entitlement.update_time IS NULL OR excluded.update_time IS NULL OR excluded.update_time >= entitlement.update_time
                """
        ).execute(
            arguments: [
                entitlement.id.rawValue, entitlement.accountID?.rawValue, resource.productExternalName ?? resource.product, resource.plan,
                resource.state?.rawValue, entitlement.isDeleted, try encode(entitlement), resource.updateTime?.micros, Timestamp(Date()).micros,
            ]
        )
    }

    static func insert(_ item: OutboxItem, _ db: Database) throws {
        // The same callback id twice (a redelivered event) is one callback.
        try db.cachedStatement(
            sql: """
                INSERT OR IGNORE INTO outbox (id, kind, account_id, entitlement_id, subject, body, created_at, queued_at, attempts, next_attempt_at, status)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(
            arguments: [
                item.id, item.kind.rawValue, item.accountID?.rawValue, item.entitlementID?.rawValue, item.subject, item.body, item.createdAt.micros,
                item.queuedAt.micros, item.attempts, item.nextAttemptAt.micros, item.status.rawValue,
            ]
        )
    }

    static func insert(_ entry: AuditEntry, _ db: Database) throws {
        try db.cachedStatement(sql: "INSERT INTO audit_log (at, kind, subject, event_id, summary, payload) VALUES (?, ?, ?, ?, ?, ?)").execute(
            arguments: [entry.at.micros, entry.kind.rawValue, entry.subject, entry.eventID, entry.summary, entry.payload]
        )
    }

    /// ACCOUNT_DELETED: the customer's personal data goes; ids, entitlements and usage stay
    /// (anonymised billing records). Idempotent.
    static func erase(_ account: AccountID, _ db: Database) throws {
        let now = Timestamp(Date()).micros
        try db.cachedStatement(
            sql: """
                UPDATE customer SET company = NULL, contact_name = NULL, email = NULL, erased_at = COALESCE(erased_at, ?)
                WHERE id = (SELECT customer_id FROM account WHERE id = ?)
                """
        ).execute(
            arguments: [now, account.rawValue]
        )
        try db.execute(sql: "UPDATE signup_session SET user_identity = NULL WHERE account_id = ?", arguments: [account.rawValue])
    }
}
