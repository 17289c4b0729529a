import EntitleTestSupport
import Foundation
import GRDB
import Testing

/// `entitle migrate` and a store from a newer release, through the built binary as an operator
/// runs it: `--status` and `--dry-run` only read, and an older binary refuses a newer schema
/// before it writes anything.
@Suite(.paced) struct MigrateCommandTests {
    func run(_ arguments: [String], store: String) async throws -> (status: Int32, output: String) {
        let environment = [
            "HOME": "/nonexistent", "GCE_METADATA_HOST": "127.0.0.1:\(try FreePort.next())", "ENTITLE_STORE_URL": store,
            "ENTITLE_HTTP_PORT": "0", "ENTITLE_SANDBOX_EMULATOR_PORT": "\(try FreePort.next())",
        ]
        let result = try await ChildProcess.run(
            try ChildProcess.builtExecutable("entitle"),
            arguments: arguments,
            environment: environment
        )
        return (result.status, result.output)
    }

    func withStorePath(_ body: (String) async throws -> Void) async throws {
        try await TemporaryDatabase.withPath { path in try await body(path) }
    }

    func bytes(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

    @Test("--status and --dry-run list applied and pending migrations and create nothing; migrate applies them")
    func statusAndDryRun() async throws {
        try await withStorePath { path in
            let dryRun = try await run(["migrate", "--dry-run"], store: path)
            #expect(
                dryRun.status == 0 && dryRun.output.contains("would apply (") && dryRun.output.contains("v1"),
                "\(dryRun.output)"
            )
            #expect(!FileManager.default.fileExists(atPath: path), "a dry run created the store")
            let migrated = try await run(["migrate"], store: path)
            #expect(migrated.status == 0 && migrated.output.contains("schema up to date"), "\(migrated.output)")
            let status = try await run(["migrate", "--status"], store: path)
            #expect(
                status.status == 0 && status.output.contains("pending (0)") && status.output.contains("  v1"),
                "\(status.output)"
            )
            #expect(!status.output.contains("applied (0)"), "\(status.output)")
        }
    }

    @Test("a store migrated by a newer Entitle: serve and migrate refuse it, say why, and leave the file as it was")
    func newerSchemaRefused() async throws {
        try await withStorePath { path in
            #expect(try await run(["migrate"], store: path).status == 0)
            let queue = try DatabaseQueue(path: path)
            try await queue.write { db in
                try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-from-a-newer-release')")
            }
            try await queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
            try queue.close()
            let before = bytes(path)
            for arguments in [["serve"], ["migrate"]] {
                let refused = try await run(arguments, store: path)
                #expect(refused.status != 0, "\(arguments): \(refused.output)")
                #expect(refused.output.contains("migrated by a newer Entitle"), "\(arguments): \(refused.output)")
                #expect(refused.output.contains("v99-from-a-newer-release"), "\(arguments): \(refused.output)")
                #expect(bytes(path) == before, "\(arguments) changed the store")
                let wal = bytes(path + "-wal")
                #expect(wal == nil || wal?.isEmpty == true, "\(arguments) wrote to the store's log")
            }
            let status = try await run(["migrate", "--status"], store: path)
            #expect(status.status == 3 && status.output.contains("written by a newer Entitle (1)"), "\(status.output)")
        }
    }
}
