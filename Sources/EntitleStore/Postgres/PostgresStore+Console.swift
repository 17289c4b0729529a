import Foundation
public import MarketplaceCore
import PostgresNIO

/// The admin console's sessions and reads (`ConsoleSQL`).
extension PostgresStore {
    public func createConsoleSession(_ session: ConsoleSession) async throws {
        try await write { try await run(ConsoleSQL.insert(session), on: $0) }
    }

    public func consoleSession(idHash: String, at: Timestamp) async throws -> ConsoleSession? {
        try await read {
            try await fetchOne(ConsoleSQL.session(idHash: idHash, at: at), on: $0).map(ConsoleSQL.session)
        }
    }

    public func endConsoleSession(idHash: String) async throws {
        try await write { try await run(ConsoleSQL.endSession(idHash: idHash), on: $0) }
    }

    public func entitlements(
        matching filter: EntitlementFilter,
        after: EntitlementID?,
        limit: Int
    ) async throws -> [LocalEntitlement] {
        try await read { connection in
            try await fetch(RecordSQL.entitlements(matching: filter, after: after, limit: limit), on: connection).map(
                RecordSQL.record
            )
        }
    }

    public func customers(after: String?, limit: Int) async throws -> [(customer: Customer, accounts: Int)] {
        try await read { connection in
            try await fetch(SignupSQL.customers(after: after, limit: limit), on: connection).map {
                (try SignupSQL.customer($0), try $0.get("accounts"))
            }
        }
    }

    public func consoleActivity(since: Timestamp) async throws -> ConsoleActivity {
        try await read { connection in
            var activity = ConsoleActivity()
            activity.notificationsPerHour = try await fetch(
                ConsoleSQL.notificationsPerHour(since: since),
                on: connection
            )
            .map(ConsoleSQL.count)
            activity.purchasesPerDay = try await fetch(
                ConsoleSQL.perDay("ENTITLEMENT_CREATION_REQUESTED", since: since),
                on: connection
            )
            .map(ConsoleSQL.count)
            activity.cancellationsPerDay = try await fetch(
                ConsoleSQL.perDay("ENTITLEMENT_CANCELLED", since: since),
                on: connection
            )
            .map(ConsoleSQL.count)
            activity.activationSeconds = try await fetch(ConsoleSQL.activation(since: since), on: connection)
                .compactMap(ConsoleSQL.activationSeconds)
            activity.billedPerDay = try await fetch(ConsoleSQL.billed(since: since), on: connection).map(
                ConsoleSQL.billed
            )
            return activity
        }
    }
}
