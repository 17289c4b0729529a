import EntitleStore
import EntitleTestSupport
import Foundation
import MarketplaceCore
import OwnerOnlyFiles
import Testing

/// `SQLiteStore` on a real file: the conformance suite, and what only a file can show.
@Suite(.paced) struct SQLiteStoreTests {
    @Test("store conformance", arguments: StoreConformance.checks.keys.sorted())
    func conformance(check: String) async throws {
        try await TemporaryDatabase.withPath { path in
            try await StoreConformance.checks[check]!(try await SQLiteStore(path: path))
        }
    }

    @Test("the store, its WAL and shared memory are owner-only from the start (the umask would make them 0644)")
    func ownerOnly() async throws {
        try await TemporaryDatabase.withPath { path in
            let store = try await SQLiteStore(path: path)
            let record = LocalEntitlement(id: try EntitlementID("E-mode"), accountID: nil, resource: Entitlement())
            _ = try await store.commit(StoreCommit(eventID: "event-mode", entitlements: [record]))
            for file in [path, path + "-wal", path + "-shm"] {
                #expect(FileManager.default.fileExists(atPath: file), "\(file)")
                #expect(
                    OwnerOnlyFile.mode(file) == 0o600,
                    "\(file): \(String(OwnerOnlyFile.mode(file) ?? 0, radix: 8))"
                )
            }
        }
    }

    @Test(
        "a secrets file written on a full disk: the write fails, the file keeps its old content, no temporary is left"
    )
    func ownerOnlyWriteOnFullDisk() async throws {
        let disk = try await SmallFileSystem.mount(megabytes: 1)
        do {
            let file = disk.path + "/secrets.json"
            try OwnerOnlyFile.write(Data("old".utf8), to: file)
            let filler = try disk.fill()
            #expect(throws: (any Error).self) {
                try OwnerOnlyFile.write(Data(repeating: 1, count: 256 * 1024), to: file)
            }
            #expect(try String(contentsOfFile: file, encoding: .utf8) == "old", "the old content stands")
            let left = try FileManager.default.contentsOfDirectory(atPath: disk.path).filter { $0.hasSuffix(".tmp") }
            #expect(left.isEmpty, "no temporary file left: \(left)")
            try FileManager.default.removeItem(atPath: filler)
            // A missing folder fails the same way, naming what it could not do.
            #expect(throws: (any Error).self) {
                try OwnerOnlyFile.write(Data("x".utf8), to: disk.path + "/none/x.json")
            }
        } catch {
            await disk.unmount()
            throw error
        }
        await disk.unmount()
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
