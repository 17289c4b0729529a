import EntitleStore
import EntitleTestSupport
import Foundation
import GRDB
import Testing

/// Opening a file another process holds for a moment (one closing it checkpoints its WAL under an
/// exclusive lock): the store waits for it rather than failing.
extension SQLiteStoreTests {
    @Test("opening while another connection holds the file for a moment waits for it, not 'database is locked'")
    func opensWhileHeld() async throws {
        try await TemporaryDatabase.withPath { path in
            _ = try await SQLiteStore(path: path)
            // An exclusive lock on the whole file, as a closing process's checkpoint takes: until it
            // goes, every other connection's read is refused with SQLITE_BUSY.
            var configuration = Configuration()
            configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA locking_mode = EXCLUSIVE") }
            let holder = try DatabaseQueue(path: path, configuration: configuration)
            try await holder.write { db in try db.execute(sql: "CREATE TABLE IF NOT EXISTS held (x)") }
            let release = Task {
                try await Task.sleep(for: .milliseconds(500))
                try holder.close()
            }
            let opened = ContinuousClock.now
            let store = try await SQLiteStore(path: path)
            try await release.value
            #expect(ContinuousClock.now - opened >= .milliseconds(400), "it waited for the lock to go")
            #expect(try await store.counts().entitlements.isEmpty)
        }
    }
}
