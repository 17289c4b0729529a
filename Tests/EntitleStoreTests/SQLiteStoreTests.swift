import EntitleStore
import EntitleTestSupport
import Foundation
import MarketplaceCore
import Testing

/// `SQLiteStore` on a real file: the conformance suite, and what only a file can show.
@Suite struct SQLiteStoreTests {
    @Test("store conformance", arguments: StoreConformance.checks.keys.sorted())
    func conformance(check: String) async throws {
        try await TemporaryDatabase.withPath { path in
            try await StoreConformance.checks[check]!(try await SQLiteStore(path: path))
        }
    }

    @Test("what was committed is there after the file is opened again, WAL and synchronous=FULL in force")
    func reopen() async throws {
        try await TemporaryDatabase.withPath { path in
            let id = try EntitlementID("E-reopen")
            do {
                let store = try await SQLiteStore(path: path)
                let record = LocalEntitlement(id: id, accountID: nil, resource: Entitlement(state: .active))
                #expect(try await store.commit(StoreCommit(eventID: "event-1", entitlements: [record])) == .committed)
                #expect(try await store.pragma("journal_mode") == "wal")
                #expect(try await store.pragma("synchronous") == "2", "FULL")
            }
            let again = try await SQLiteStore(path: path)
            #expect(try await again.entitlement(id)?.state == .active)
            #expect(try await again.isProcessed(eventID: "event-1"))
        }
    }
}
