import ArgumentParser
import Entitle
import EntitleStore
import Foundation
import Logging

/// `entitle migrate`: brings the store's schema up to date, as `serve` does when it starts, and
/// exits. Safe beside running replicas: PostgreSQL migrations take an advisory lock, and each runs
/// in its own transaction. `--status` and `--dry-run` only read.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Bring the store's schema (SQLite file or PostgreSQL database) up to date, then exit.",
        discussion: """
            --status lists the migrations applied and pending; --dry-run lists what a migration would \
            apply. Neither writes. A store migrated by a newer Entitle is refused: run that release.
            """
    )

    @Option(help: "A JSON settings file (storeURL is read from it or from ENTITLE_STORE_URL).") var config: String?
    @Flag(help: "List the migrations applied and pending, change nothing.") var status = false
    @Flag(help: "List the migrations that would be applied, change nothing.") var dryRun = false

    func run() async throws {
        let configuration = try EntitleConfiguration.load(
            file: config,
            environment: ProcessInfo.processInfo.environment
        )
        var logger = Logger(label: "entitle.migrate")
        logger.logLevel = .info
        let location = try StoreLocation(parsing: configuration.storeURL)
        if status || dryRun {
            let schema = try await StoreInspection.schemaStatus(location, logger: logger)
            print(Self.report(schema, location: location, dryRun: dryRun))
            if !schema.unknown.isEmpty { throw ExitCode(3) }
            return
        }
        let store = try await EntitleServer.openStore(configuration, logger: logger)
        if let postgres = store as? PostgresStore { await postgres.close() }
        print("\(location): schema up to date")
    }

    static func report(_ schema: SchemaStatus, location: StoreLocation, dryRun: Bool) -> String {
        var lines = ["\(location), \(EntitleVersion.description)"]
        if !dryRun {
            lines.append("applied (\(schema.applied.count)):")
            lines += schema.applied.map { "  \($0)" }
        }
        lines.append(dryRun ? "would apply (\(schema.pending.count)):" : "pending (\(schema.pending.count)):")
        lines += schema.pending.map { "  \($0)" }
        if !schema.unknown.isEmpty {
            lines.append("unknown to this build, written by a newer Entitle (\(schema.unknown.count)):")
            lines += schema.unknown.map { "  \($0)" }
        }
        return lines.joined(separator: "\n")
    }
}
