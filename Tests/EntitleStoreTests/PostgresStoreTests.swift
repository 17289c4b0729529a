import EntitleStore
import EntitleTestSupport
import Foundation
import MarketplaceCore
import PostgresNIO
import Testing

/// `PostgresStore` on a real PostgreSQL server (`TestPostgres`: CI's, or one this process starts):
/// the same conformance suite as SQLite, each check in a database of its own.
@Suite struct PostgresStoreTests {
    @Test("store conformance", arguments: StoreConformance.checks.keys.sorted())
    func conformance(check: String) async throws {
        try await TestPostgres.withDatabase { url in
            let store = try await PostgresStore(url: url)
            do {
                try await StoreConformance.checks[check]!(store)
                await store.close()
            } catch {
                await store.close()
                throw error
            }
        }
    }

    @Test("several stores migrating one database at once: each migration once, all of them usable")
    func concurrentMigrations() async throws {
        try await TestPostgres.withDatabase { url in
            let stores = try await withThrowingTaskGroup(of: PostgresStore.self) { group in
                for _ in 0..<4 { group.addTask { try await PostgresStore(url: url) } }
                var all: [PostgresStore] = []
                for try await store in group { all.append(store) }
                return all
            }
            for store in stores {
                #expect(try await store.commit(StoreCommit(eventID: UUID().uuidString)) == .committed)
                await store.close()
            }
        }
    }

    @Test("store URLs: host and port, sslmode, a Cloud SQL socket directory two ways, and the errors")
    func urls() throws {
        let tcp = try PostgresSettings(url: "postgres://entitle:s%40cret@db.internal:6432/entitle?sslmode=disable&pool_size=5")
        #expect(tcp.client.host == "db.internal" && tcp.client.port == 6432 && tcp.client.username == "entitle" && tcp.client.password == "s@cret")
        #expect(tcp.database == "entitle" && tcp.client.options.maximumConnections == 5)
        let socket = try PostgresSettings(url: "postgres://entitle:pw@/entitle?host=/cloudsql/proj:europe-west1:db")
        #expect(socket.client.unixSocketPath == "/cloudsql/proj:europe-west1:db/.s.PGSQL.5432")
        let encoded = try PostgresSettings(url: "postgresql://entitle@%2Fcloudsql%2Fproj%3Aeu%3Adb/entitle")
        #expect(encoded.client.unixSocketPath == "/cloudsql/proj:eu:db/.s.PGSQL.5432")
        for bad in ["postgres://db/", "postgres://u@db/x?sslmode=sometimes", "postgres://u@db/x?poolsize=3", "postgres://u@db/x?pool_size=0"] {
            #expect(throws: PostgresSettings.Invalid.self, "\(bad)") { try PostgresSettings(url: bad) }
        }
    }
}
