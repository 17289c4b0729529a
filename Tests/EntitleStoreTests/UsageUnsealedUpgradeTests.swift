import EntitleTestSupport
import Foundation
import GRDB
import Logging
import MarketplaceCore
import Testing

@testable import EntitleStore

/// The upgrade that added the maintained window totals (`usage_unsealed`) fills them from the
/// records unsealed at that moment: intake goes on checking sums, the usage pages list the same
/// windows, and sealing reports the same quantities as before the upgrade. The fixtures of
/// `SchemaUpgradeTests` hold no unsealed record (every column is filled), hence this test.
@Suite(.paced) struct UsageUnsealedUpgradeTests {
    static let hour: Int64 = 3_600_000_000
    /// Unsealed: two windows and two label sets of E-1, and E-3's pair past `Int64.max` (kept by
    /// a version that did not check); E-2's record is sealed already.
    static let records = """
        INSERT INTO usage_record (
            app, idempotency_key, entitlement_id, metric, labels, quantity, usage_time, time_given, window_start,
            accepted_at, operation_id
        ) VALUES
            ('a', 'k1', 'E-1', 'calls', '{}', 5000000000, 1, TRUE, 0, 1, NULL),
            ('a', 'k2', 'E-1', 'calls', '{}', 7, 1, TRUE, 0, 1, NULL),
            ('a', 'k3', 'E-1', 'calls', '{"r":"x"}', 3, 1, TRUE, 0, 1, NULL),
            ('a', 'k4', 'E-1', 'calls', '{}', 11, 1, TRUE, \(hour), 1, NULL),
            ('a', 'k5', 'E-2', 'calls', '{}', 100, 1, TRUE, 0, 1, 'op-1'),
            ('a', 'k6', 'E-3', 'calls', '{}', 9223372036854775807, 1, TRUE, 0, 1, NULL),
            ('a', 'k7', 'E-3', 'calls', '{}', 1, 1, TRUE, 0, 1, NULL)
        """

    static func expectFilled(_ store: any Store) async throws {
        let unsealed = try await store.unsealedUsage(entitlement: nil)
        let seen = unsealed.map {
            "\($0.entitlementID.rawValue) \($0.labels) \($0.windowStart.micros) "
                + "\($0.quantity) \($0.records) \($0.overflows)"
        }
        #expect(
            seen.sorted() == [
                "E-1 [\"r\": \"x\"] 0 3 1 false", "E-1 [:] 0 5000000007 2 false", "E-1 [:] 3600000000 11 1 false",
                "E-3 [:] 0 9223372036854775807 2 true",
            ],
            "\(seen)"
        )
        #expect(try await store.entitlementsWithUnsealedUsage().map(\.rawValue).sorted() == ["E-1", "E-3"])
        // A record taken in after the upgrade adds to its window's total.
        let more = UsageSubmission(
            entitlementID: try EntitlementID("E-1"),
            metric: "calls",
            quantity: 3,
            time: Timestamp(micros: 10),
            idempotencyKey: "k8"
        )
        _ = try await store.recordUsage([more], app: "a", windowLength: 3600, at: Timestamp(micros: 20))
        let window = try await store.unsealedUsage(entitlement: try EntitlementID("E-1")).first {
            $0.windowStart.micros == 0 && $0.labels.isEmpty
        }
        #expect(window?.quantity == 5_000_000_010 && window?.records == 3, "\(String(describing: window))")
    }

    @Test("SQLite: the totals are filled from the records unsealed at the upgrade")
    func sqlite() async throws {
        try await TemporaryDatabase.withPath { path in
            let queue = try DatabaseQueue(path: path)
            try SQLiteMigrations.migrator.migrate(queue, upTo: "v13-agent-client")
            try await queue.write { db in try db.execute(sql: Self.records) }
            try queue.close()
            try await Self.expectFilled(try await SQLiteStore(path: path))
        }
    }

    @Test("PostgreSQL: the totals are filled from the records unsealed at the upgrade")
    func postgres() async throws {
        try await TestPostgres.withDatabase { url in
            try await SchemaUpgradeTests.withClient(url) { client in
                let logger = Logger(label: "entitle.test.upgrade")
                try await PostgresMigrations.migrate(client, through: "v6-agent-client", logger: logger)
            }
            try await TestPostgres.psql(url, Self.records)
            let store = try await PostgresStore(url: url)
            do {
                try await Self.expectFilled(store)
                await store.close()
            } catch {
                await store.close()
                throw error
            }
        }
    }
}
