import Foundation
import GRDB

/// Which of the migrations a file holds, read before the store opens it (a file a newer Entitle
/// migrated is left as it is) and by `entitle migrate --status`.
extension SQLiteMigrations {
    /// The migrations recorded in the file (GRDB's `grdb_migrations`), known to this build or not;
    /// none for a file not created yet. Read on a read-only connection: opening a `DatabasePool`
    /// already writes (GRDB makes sure the WAL file is not empty).
    static func recorded(path: String) throws -> [String] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        var configuration = Configuration()
        configuration.readonly = true
        // Waits like the store's own connections: a process that is closing the file holds it for
        // a moment, and a restart reading the schema then failed at once with "database is locked".
        configuration.busyMode = .timeout(SQLiteStore.busyTimeout)
        let database = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? database.close() }
        return try database.read { db in
            guard try db.tableExists("grdb_migrations") else { return [] }
            return try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
        }
    }

    static func status(path: String) throws -> SchemaStatus {
        SchemaStatus(known: migrator.migrations, present: try recorded(path: path))
    }
}
