import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A PostgreSQL server of the test's own, from Debian's `postgresql`: a cluster made with `initdb`
/// in a temporary folder (as the `postgres` user when run as root: the server refuses root) on a
/// free loopback port, which a test may stop and start again on the same port to make a store
/// outage. `remove()` stops it and deletes the folder.
public struct PostgresCluster: Sendable {
    public let directory: String
    public let port: Int
    let binaries: String

    /// The server's `postgres` database.
    public var url: String { "postgres://postgres@127.0.0.1:\(port)/postgres" }

    /// Creates the cluster and starts it.
    public static func create() async throws -> PostgresCluster {
        guard let bin = findBinaries() else {
            throw TestPostgres.Unavailable(
                description: "PostgreSQL is needed for these tests: install Debian's postgresql "
                    + "(apt-get install postgresql) or set ENTITLE_TEST_POSTGRES_URL=postgres://user@host:port/db"
            )
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("entitle-pg-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if geteuid() == 0 { _ = try await TestPostgres.run(["chown", "postgres:postgres", directory]) }
        let initdb = try await TestPostgres.run(
            ["\(bin)/initdb", "-D", "\(directory)/data", "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"],
            asPostgres: true
        )
        guard initdb.status == 0 else { throw TestPostgres.Unavailable(description: "initdb failed: \(initdb.output)") }
        let cluster = PostgresCluster(directory: directory, port: try FreePort.next(), binaries: bin)
        try await cluster.start()
        return cluster
    }

    /// Starts the server and waits until it accepts connections.
    public func start() async throws {
        let options = "-p \(port) -k \(directory) -c listen_addresses=127.0.0.1 -c max_connections=200"
        let start = try await TestPostgres.run(
            [
                "\(binaries)/pg_ctl", "-D", "\(directory)/data", "-l", "\(directory)/server.log", "-o", options, "-w",
                "start",
            ],
            asPostgres: true
        )
        guard start.status == 0 else {
            throw TestPostgres.Unavailable(description: "pg_ctl start failed: \(start.output)")
        }
    }

    /// Stops the server: `fast` ends every session at once (what a restart or a failover does),
    /// `immediate` is a crash.
    public func stop(mode: String = "fast") async throws {
        let stop = try await TestPostgres.run(
            ["\(binaries)/pg_ctl", "-D", "\(directory)/data", "-m", mode, "-w", "stop"],
            asPostgres: true
        )
        guard stop.status == 0 else {
            throw TestPostgres.Unavailable(description: "pg_ctl stop failed: \(stop.output)")
        }
    }

    /// Stops the server if it runs and deletes its folder.
    public func remove() async {
        _ = try? await stop(mode: "immediate")
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The arguments that stop it at once, for an exit handler that cannot await.
    var immediateStop: [String] {
        (geteuid() == 0 ? ["runuser", "-u", "postgres", "--"] : [])
            + ["\(binaries)/pg_ctl", "-D", "\(directory)/data", "-m", "immediate", "stop"]
    }

    /// Debian keeps `initdb` and `pg_ctl` off the PATH, in the version's folder.
    static func findBinaries() -> String? {
        let root = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        for version in versions.sorted(by: { (Int($0) ?? 0) > (Int($1) ?? 0) }) {
            let bin = "\(root)/\(version)/bin"
            if FileManager.default.isExecutableFile(atPath: "\(bin)/initdb") { return bin }
        }
        return nil
    }
}
