import Foundation
import GRDB
public import Logging
import PostgresNIO

/// Looks at a store without changing it (`entitle doctor`): which of Entitle's migrations it
/// still lacks. Opening a store migrates it; a health check must not.
public enum StoreInspection {
    /// - Returns: the names of migrations not applied (all of them for a store not created yet).
    /// - Throws: when the store cannot be reached.
    public static func pendingMigrations(_ location: StoreLocation, logger: Logger = Logger(label: "entitle.store")) async throws -> [String] {
        switch location {
        case .sqlite(let path):
            let migrator = SQLiteMigrations.migrator
            guard FileManager.default.fileExists(atPath: path) else { return migrator.migrations }
            var configuration = Configuration()
            configuration.readonly = true
            let database = try DatabaseQueue(path: path, configuration: configuration)
            let applied = try await database.read { db in try migrator.appliedIdentifiers(db) }
            return migrator.migrations.filter { !applied.contains($0) }
        case .postgres(let url):
            let client = PostgresClient(configuration: try PostgresSettings(url: url).client, backgroundLogger: logger)
            let running = Task { await client.run() }
            defer { running.cancel() }
            return try await client.withConnection { connection in
                let exists = try await connection.query("SELECT to_regclass('entitle_migration') IS NOT NULL", logger: logger).decode(Bool.self)
                var present = false
                for try await value in exists { present = value }
                guard present else { return PostgresMigrations.all.map(\.name) }
                var applied: Set<String> = []
                for try await name in try await connection.query("SELECT name FROM entitle_migration", logger: logger).decode(String.self) {
                    applied.insert(name)
                }
                return PostgresMigrations.all.map(\.name).filter { !applied.contains($0) }
            }
        }
    }
}
