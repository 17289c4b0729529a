import Foundation
public import MarketplaceCore
import PostgresNIO

/// The admin console's sessions and reads, as `SQLiteStore+Console` (same queries).
extension PostgresStore {
    public func createConsoleSession(_ session: ConsoleSession) async throws {
        try await write { connection in
            try await execute(
                """
                INSERT INTO console_session (id_hash, csrf_token, actor, created_at, expires_at)
                VALUES (\(session.idHash), \(session.csrfToken), \(session.actor), \(session.createdAt.micros), \(session.expiresAt.micros))
                """,
                on: connection
            )
        }
    }

    public func consoleSession(idHash: String, at: Timestamp) async throws -> ConsoleSession? {
        try await read { connection in
            try await rows("SELECT * FROM console_session WHERE id_hash = \(idHash) AND expires_at > \(at.micros)", on: connection).first.map {
                ConsoleSession(
                    idHash: try $0.get("id_hash"),
                    csrfToken: try $0.get("csrf_token"),
                    actor: try $0.get("actor"),
                    createdAt: Timestamp(micros: try $0.get("created_at")),
                    expiresAt: Timestamp(micros: try $0.get("expires_at"))
                )
            }
        }
    }

    public func endConsoleSession(idHash: String) async throws {
        try await write { connection in try await execute("DELETE FROM console_session WHERE id_hash = \(idHash)", on: connection) }
    }

    public func entitlements(matching filter: EntitlementFilter, after: EntitlementID?, limit: Int) async throws -> [LocalEntitlement] {
        try await read { connection in
            try await rows(
                """
                SELECT record FROM entitlement
                WHERE (\(filter.state?.rawValue)::TEXT IS NULL OR state = \(filter.state?.rawValue))
                    AND (\(filter.product)::TEXT IS NULL OR product = \(filter.product))
                    AND (\(filter.plan)::TEXT IS NULL OR plan = \(filter.plan))
                    AND (\(filter.account?.rawValue)::TEXT IS NULL OR account_id = \(filter.account?.rawValue))
                    AND (\(filter.includeDeleted) OR NOT deleted) AND id > \(after?.rawValue ?? "")
                ORDER BY id LIMIT \(limit)
                """,
                on: connection
            ).map { try StoreJSON.decode($0.get("record")) }
        }
    }

    public func customers(after: String?, limit: Int) async throws -> [(customer: Customer, accounts: Int)] {
        try await read { connection in
            try await rows(
                """
                SELECT customer.*, (SELECT COUNT(*) FROM account WHERE account.customer_id = customer.id) AS accounts
                FROM customer WHERE id > \(after ?? "") ORDER BY id LIMIT \(limit)
                """,
                on: connection
            ).map { (try Self.customer($0), Int(try $0.get("accounts", as: Int64.self))) }
        }
    }

    public func consoleActivity(since: Timestamp) async throws -> ConsoleActivity {
        try await read { connection in
            var activity = ConsoleActivity()
            func counts(_ sql: String) async throws -> [ConsoleActivity.Count] {
                try await rows(Self.query(sql, since), on: connection).map {
                    ConsoleActivity.Count(bucket: try $0.get("bucket"), count: Int(try $0.get("n", as: Int64.self)))
                }
            }
            activity.notificationsPerHour = try await counts(ConsoleQueries.notificationsPerHour)
            activity.purchasesPerDay = try await counts(ConsoleQueries.perDay("ENTITLEMENT_CREATION_REQUESTED"))
            activity.cancellationsPerDay = try await counts(ConsoleQueries.perDay("ENTITLEMENT_CANCELLED"))
            activity.activationSeconds = try await rows(
                Self.query(ConsoleQueries.activation, since),
                on: connection
            ).compactMap {
                guard let created = try $0.get("created", as: Int64?.self), let active = try $0.get("active", as: Int64?.self), active >= created
                else { return nil }
                return Double(active - created) / 1_000_000
            }
            activity.billedPerDay = try await rows(Self.query(ConsoleQueries.billed, since), on: connection)
                .map { ConsoleActivity.Billed(day: try $0.get("day"), metric: try $0.get("metric"), quantity: try $0.get("quantity")) }
            return activity
        }
    }

    /// The console's queries are written once, for both stores: their one `?` is `$1` here.
    private static func query(_ sql: String, _ since: Timestamp) -> PostgresQuery {
        var binds = PostgresBindings()
        binds.append(since.micros)
        return PostgresQuery(unsafeSQL: sql.replacingOccurrences(of: "?", with: "$1"), binds: binds)
    }
}
