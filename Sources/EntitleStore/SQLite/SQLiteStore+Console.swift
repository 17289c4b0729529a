import Foundation
import GRDB
public import MarketplaceCore

/// The admin console's sessions and reads.
extension SQLiteStore {
    public func createConsoleSession(_ session: ConsoleSession) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO console_session (id_hash, csrf_token, actor, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [session.idHash, session.csrfToken, session.actor, session.createdAt.micros, session.expiresAt.micros]
            )
        }
    }

    public func consoleSession(idHash: String, at: Timestamp) async throws -> ConsoleSession? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM console_session WHERE id_hash = ? AND expires_at > ?", arguments: [idHash, at.micros]).map {
                ConsoleSession(
                    idHash: $0["id_hash"],
                    csrfToken: $0["csrf_token"],
                    actor: $0["actor"],
                    createdAt: Timestamp(micros: $0["created_at"]),
                    expiresAt: Timestamp(micros: $0["expires_at"])
                )
            }
        }
    }

    public func endConsoleSession(idHash: String) async throws {
        try await pool.write { db in
            try db.execute(sql: "DELETE FROM console_session WHERE id_hash = ?", arguments: [idHash])
        }
    }

    public func entitlements(matching filter: EntitlementFilter, after: EntitlementID?, limit: Int) async throws -> [LocalEntitlement] {
        try await pool.read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT record FROM entitlement
                    WHERE (? IS NULL OR state = ?) AND (? IS NULL OR product = ?) AND (? IS NULL OR plan = ?)
                        AND (? IS NULL OR account_id = ?) AND (? OR NOT deleted) AND id > ?
                    ORDER BY id LIMIT ?
                    """,
                arguments: [
                    filter.state?.rawValue, filter.state?.rawValue, filter.product, filter.product, filter.plan, filter.plan,
                    filter.account?.rawValue, filter.account?.rawValue, filter.includeDeleted, after?.rawValue ?? "", limit,
                ]
            ).map(Self.decode)
        }
    }

    public func customers(after: String?, limit: Int) async throws -> [(customer: Customer, accounts: Int)] {
        try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT customer.*, (SELECT COUNT(*) FROM account WHERE account.customer_id = customer.id) AS accounts
                    FROM customer WHERE id > ? ORDER BY id LIMIT ?
                    """,
                arguments: [after ?? "", limit]
            ).map { (Self.customer($0), $0["accounts"]) }
        }
    }

    public func consoleActivity(since: Timestamp) async throws -> ConsoleActivity {
        try await pool.read { db in
            var activity = ConsoleActivity()
            let counts = { (sql: String) in
                try Row.fetchAll(db, sql: sql, arguments: [since.micros]).map { ConsoleActivity.Count(bucket: $0[0], count: $0[1]) }
            }
            activity.notificationsPerHour = try counts(ConsoleQueries.notificationsPerHour)
            activity.purchasesPerDay = try counts(ConsoleQueries.perDay("ENTITLEMENT_CREATION_REQUESTED"))
            activity.cancellationsPerDay = try counts(ConsoleQueries.perDay("ENTITLEMENT_CANCELLED"))
            activity.activationSeconds = try Row.fetchAll(db, sql: ConsoleQueries.activation, arguments: [since.micros]).compactMap {
                guard let created = $0[0] as Int64?, let active = $0[1] as Int64?, active >= created else { return nil }
                return Double(active - created) / 1_000_000
            }
            activity.billedPerDay = try Row.fetchAll(db, sql: ConsoleQueries.billed, arguments: [since.micros]).map {
                ConsoleActivity.Billed(day: $0[0], metric: $0[1], quantity: $0[2])
            }
            return activity
        }
    }
}
