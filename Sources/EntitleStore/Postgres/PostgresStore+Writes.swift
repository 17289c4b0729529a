import Foundation
import MarketplaceCore
import PostgresNIO

/// The rows one commit writes.
extension PostgresStore {
    /// The newer copy wins whatever the order of commits: a copy older than the stored one (another
    /// replica's re-read that lost the race) changes nothing.
    func upsert(_ account: LocalAccount, on connection: PostgresConnection) async throws {
        try await execute(
            """
            INSERT INTO account (id, record, signed_up, erased, update_time, updated_at)
            VALUES (\(account.id.rawValue), \(try StoreJSON.encode(account)), \(account.isSignedUp), \(account.isErased),
                \(account.updateTime?.micros), \(Timestamp(Date()).micros))
            ON CONFLICT (id) DO UPDATE SET record = excluded.record, signed_up = excluded.signed_up, erased = excluded.erased,
                update_time = excluded.update_time, updated_at = excluded.updated_at
            WHERE account.update_time IS NULL OR excluded.update_time IS NULL OR excluded.update_time >= account.update_time
            """,
            on: connection
        )
    }

    func upsert(_ entitlement: LocalEntitlement, on connection: PostgresConnection) async throws {
        let resource = entitlement.resource
        try await execute(
            """
            INSERT INTO entitlement (id, account_id, product, plan, state, deleted, record, update_time, updated_at)
            VALUES (\(entitlement.id.rawValue), \(entitlement.accountID?.rawValue), \(resource.productExternalName ?? resource.product),
                \(resource.plan), \(resource.state?.rawValue), \(entitlement.isDeleted), \(try StoreJSON.encode(entitlement)),
                \(resource.updateTime?.micros), \(Timestamp(Date()).micros))
            ON CONFLICT (id) DO UPDATE SET account_id = excluded.account_id, product = excluded.product, plan = excluded.plan,
                state = excluded.state, deleted = excluded.deleted, record = excluded.record, update_time = excluded.update_time,
                updated_at = excluded.updated_at
            WHERE entitlement.update_time IS NULL OR excluded.update_time IS NULL OR excluded.update_time >= entitlement.update_time
            """,
            on: connection
        )
    }

    func insert(_ item: OutboxItem, on connection: PostgresConnection) async throws {
        // The same callback id twice (a redelivered event) is one callback.
        try await execute(
            """
            INSERT INTO outbox (id, kind, account_id, entitlement_id, subject, body, created_at, queued_at, attempts, next_attempt_at, status)
            VALUES (\(item.id), \(item.kind.rawValue), \(item.accountID?.rawValue), \(item.entitlementID?.rawValue), \(item.subject), \(item.body),
                \(item.createdAt.micros), \(item.queuedAt.micros), \(item.attempts), \(item.nextAttemptAt.micros), \(item.status.rawValue))
            ON CONFLICT (id) DO NOTHING
            """,
            on: connection
        )
    }

    func insert(_ entry: AuditEntry, on connection: PostgresConnection) async throws {
        try await execute(
            """
            INSERT INTO audit_log (at, kind, subject, event_id, summary, payload)
            VALUES (\(entry.at.micros), \(entry.kind.rawValue), \(entry.subject), \(entry.eventID), \(entry.summary), \(entry.payload))
            """,
            on: connection
        )
    }

    /// ACCOUNT_DELETED: the customer's personal data goes; ids, entitlements and usage stay.
    func erase(_ account: AccountID, on connection: PostgresConnection) async throws {
        let now = Timestamp(Date()).micros
        try await execute(
            """
            UPDATE customer SET company = NULL, contact_name = NULL, email = NULL, erased_at = COALESCE(erased_at, \(now))
            WHERE id = (SELECT customer_id FROM account WHERE id = \(account.rawValue))
            """,
            on: connection
        )
        try await execute("UPDATE signup_session SET user_identity = NULL WHERE account_id = \(account.rawValue)", on: connection)
    }
}
