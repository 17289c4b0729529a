import ArgumentParser
import Entitle
import EntitleStore
import Foundation
import Logging

/// `entitle migrate`: brings the store's schema up to date, as `serve` does when it starts, and
/// exits. Safe beside running replicas: PostgreSQL migrations take an advisory lock, and each runs
/// in its own transaction.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Bring the store's schema (SQLite file or PostgreSQL database) up to date, then exit."
    )

    @Option(help: "A JSON settings file (storeURL is read from it or from ENTITLE_STORE_URL).") var config: String?

    func run() async throws {
        let configuration = try EntitleConfiguration.load(file: config, environment: ProcessInfo.processInfo.environment)
        var logger = Logger(label: "entitle.migrate")
        logger.logLevel = .info
        let location = try StoreLocation(parsing: configuration.storeURL)
        let store = try await EntitleServer.openStore(configuration, logger: logger)
        if let postgres = store as? PostgresStore { await postgres.close() }
        print("\(location): schema up to date")
    }
}
