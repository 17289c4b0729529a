import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A real PostgreSQL server for tests. `ENTITLE_TEST_POSTGRES_URL` names one (CI's `.ci/run` starts
/// a throwaway server and sets it); otherwise the first test that needs one starts its own, once
/// per test process, from Debian's `postgresql` (initdb in a temporary folder, as the `postgres`
/// user when run as root, on a free loopback port), and stops it when the process exits. Without
/// either, tests fail saying how to get one: nothing is silently skipped.
public enum TestPostgres {
    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String
    }

    /// The server's URL (its `postgres` database).
    public static func serverURL() async throws -> String {
        if let url = ProcessInfo.processInfo.environment["ENTITLE_TEST_POSTGRES_URL"], !url.isEmpty { return url }
        return try await ThrowawayServer.shared.url()
    }

    /// Runs `body` with the URL of a new, empty database on the server, dropped afterwards.
    public static func withDatabase<Value: Sendable>(
        _ body: @Sendable (String) async throws -> Value
    ) async throws -> Value {
        let server = try await serverURL()
        let name = "entitle_test_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16))"
        try await psql(server, "CREATE DATABASE \(name)")
        let url = replacingDatabase(in: server, with: name)
        do {
            let value = try await body(url)
            try? await psql(server, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
            return value
        } catch {
            try? await psql(server, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
            throw error
        }
    }

    /// The server URL with another database.
    public static func replacingDatabase(in url: String, with database: String) -> String {
        guard var components = URLComponents(string: url) else { return url }
        components.path = "/" + database
        return components.string ?? url
    }

    /// Runs one SQL statement with Debian's `psql`.
    public static func psql(_ url: String, _ sql: String) async throws {
        let result = try await run(["psql", url, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql])
        guard result.status == 0 else { throw Unavailable(description: "psql \(sql): \(result.output)") }
    }

    /// Runs an SQL file with Debian's `psql`, stopping at its first error.
    public static func psql(_ url: String, file: String) async throws {
        let result = try await run(["psql", url, "-v", "ON_ERROR_STOP=1", "-q", "-f", file])
        guard result.status == 0 else { throw Unavailable(description: "psql -f \(file): \(result.output)") }
    }

    /// Writes the database to `file` as SQL (`pg_dump`, rows as INSERTs), for fixtures a test keeps.
    public static func dump(_ url: String, to file: String) async throws {
        let command = ["pg_dump", "--inserts", "--no-owner", "--no-privileges", "--no-comments", "-f", file, url]
        let result = try await run(command)
        guard result.status == 0 else { throw Unavailable(description: "pg_dump: \(result.output)") }
    }

    /// Runs a command to its end. Output goes to a file, not a pipe: `pg_ctl start` leaves the
    /// server running with the pipe's write end, and reading to the end of a pipe would never end.
    static func run(_ command: [String], asPostgres: Bool = false) async throws -> (status: Int32, output: String) {
        let process = Process()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(
            "entitle-pg-command-\(UUID().uuidString).log"
        )
        _ = FileManager.default.createFile(atPath: file.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: file) }
        let output = try FileHandle(forWritingTo: file)
        var arguments = command
        if asPostgres, geteuid() == 0 { arguments = ["runuser", "-u", "postgres", "--"] + arguments }
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try output.close()
        // Reaped here: Foundation can miss the end of a `runuser` whose child left a daemon behind
        // (`pg_ctl start`), and `isRunning` would stay true for ever.
        var status: Int32 = 0
        while true {
            switch waitpid(process.processIdentifier, &status, WNOHANG) {
            case process.processIdentifier:
                return ((status >> 8) & 0xFF, (try? String(contentsOf: file, encoding: .utf8)) ?? "")
            case -1:
                // Foundation reaped it first.
                while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
                return (process.terminationStatus, (try? String(contentsOf: file, encoding: .utf8)) ?? "")
            default: try await Task.sleep(for: .milliseconds(20))
            }
        }
    }
}

// Read by the exit handler, which cannot capture; written once, before the handler is set.
nonisolated(unsafe) private var cluster_: PostgresCluster?

/// The server a test process starts for itself, stopped at exit.
actor ThrowawayServer {
    static let shared = ThrowawayServer()
    /// Started once: the actor lets other callers in while it waits, and they wait on the same start.
    private var starting: Task<String, any Error>?

    func url() async throws -> String {
        if let starting { return try await starting.value }
        let task = Task { try await Self.start() }
        starting = task
        return try await task.value
    }

    private static func start() async throws -> String {
        let cluster = try await PostgresCluster.create()
        cluster_ = cluster
        atexit {
            guard let cluster = cluster_ else { return }
            let stop = Process()
            stop.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            stop.arguments = cluster.immediateStop
            stop.standardOutput = FileHandle.nullDevice
            stop.standardError = FileHandle.nullDevice
            try? stop.run()
            stop.waitUntilExit()
            try? FileManager.default.removeItem(atPath: cluster.directory)
        }
        return cluster.url
    }
}
