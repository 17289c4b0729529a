import Foundation
import GRDB
public import MarketplaceCore

/// The admin console's sessions and reads (`ConsoleSQL`).
extension SQLiteStore {
    public func createConsoleSession(_ session: ConsoleSession) async throws {
        try await pool.write { db in try db.run(ConsoleSQL.insert(session)) }
    }

    public func consoleSession(idHash: String, at: Timestamp) async throws -> ConsoleSession? {
        try await pool.read { db in try db.fetchOne(ConsoleSQL.session(idHash: idHash, at: at)).map(ConsoleSQL.session)
        }
    }

    public func endConsoleSession(idHash: String) async throws {
        try await pool.write { db in try db.run(ConsoleSQL.endSession(idHash: idHash)) }
    }

    public func entitlements(
        matching filter: EntitlementFilter,
        after: EntitlementID?,
        limit: Int
    ) async throws -> [LocalEntitlement] {
        try await pool.read { db in
            try db.fetch(RecordSQL.entitlements(matching: filter, after: after, limit: limit)).map(RecordSQL.record)
        }
    }

    public func customers(after: String?, limit: Int) async throws -> [(customer: Customer, accounts: Int)] {
        try await pool.read { db in
            try db.fetch(SignupSQL.customers(after: after, limit: limit)).map {
                (try SignupSQL.customer($0), try $0.get("accounts"))
            }
        }
    }

    public func consoleActivity(since: Timestamp) async throws -> ConsoleActivity {
        try await pool.read { db in
            var activity = ConsoleActivity()
            activity.notificationsPerHour = try db.fetch(ConsoleSQL.notificationsPerHour(since: since)).map(
                ConsoleSQL.count
            )
            activity.purchasesPerDay = try db.fetch(ConsoleSQL.perDay("ENTITLEMENT_CREATION_REQUESTED", since: since))
                .map(ConsoleSQL.count)
            activity.cancellationsPerDay = try db.fetch(ConsoleSQL.perDay("ENTITLEMENT_CANCELLED", since: since)).map(
                ConsoleSQL.count
            )
            activity.activationSeconds = try db.fetch(ConsoleSQL.activation(since: since)).compactMap(
                ConsoleSQL.activationSeconds
            )
            activity.billedPerDay = try db.fetch(ConsoleSQL.billed(since: since)).map(ConsoleSQL.billed)
            return activity
        }
    }
}
