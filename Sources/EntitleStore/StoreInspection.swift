import Foundation
import GRDB
public import Logging
import PostgresNIO

/// Looks at a store without changing it (`entitle doctor`): which of Entitle's migrations it
/// still lacks. Opening a store migrates it; a health check must not.
public enum StoreInspection {
    /// - Returns: the names of migrations not applied (all of them for a store not created yet).
    /// - Throws: when the store cannot be reached.
    public static func pendingMigrations(
        _ location: StoreLocation,
        logger: Logger = Logger(label: "entitle.store")
    ) async throws -> [String] {
        try await schemaStatus(location, logger: logger).pending
    }

    /// Applied, pending and unknown (newer) migrations; a store not created yet has them all pending.
    /// - Throws: when the store cannot be reached.
    public static func schemaStatus(
        _ location: StoreLocation,
        logger: Logger = Logger(label: "entitle.store")
    ) async throws -> SchemaStatus {
        switch location {
        case .sqlite(let path):
            return try SQLiteMigrations.status(path: path)
        case .postgres(let url):
            let client = PostgresClient(configuration: try PostgresSettings(url: url).client, backgroundLogger: logger)
            let running = Task { await client.run() }
            defer { running.cancel() }
            let present = try await client.withConnection { connection in
                try await PostgresMigrations.recorded(connection, logger: logger)
            }
            return SchemaStatus(known: PostgresMigrations.all.map(\.name), present: present)
        }
    }
}
