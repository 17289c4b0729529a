import Foundation
import GRDB

/// The stores upgrade tests start from, kept as SQL under `Fixtures/Upgrade`: one file per earlier
/// schema version of each store, made once by applying the migrations up to that version and
/// inserting `UpgradeRows`, then committed. A fixture missing for a version is written by the test
/// (which then fails, asking for it to be reviewed and committed). Kept rather than regenerated,
/// so that an edited old migration cannot quietly change what "a store of that version" is.
enum UpgradeFixtures {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/Upgrade")

    static func url(_ name: String) -> URL { folder.appendingPathComponent(name) }

    static func exists(_ url: URL) -> Bool { FileManager.default.fileExists(atPath: url.path) }

    static func write(_ text: String, to url: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    /// pg_dump's `\restrict` lines need a psql as new as the one that wrote them; the dump loads
    /// the same without them.
    static func portable(_ dump: String) -> String {
        dump.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("\\restrict") && !$0.hasPrefix("\\unrestrict") }
            .joined(separator: "\n")
    }

    /// An SQLite database as SQL: its schema in creation order, then every row as an INSERT.
    static func sqliteDump(_ db: Database) throws -> String {
        var lines = ["-- An Entitle SQLite store, written by SchemaUpgradeTests. Load it, do not edit it."]
        let schema = try Row.fetchAll(
            db,
            sql: "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY rowid"
        )
        for row in schema { lines.append((row["sql"] as String) + ";") }
        let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid")
        for table in tables {
            for row in try Row.fetchAll(db, sql: "SELECT * FROM \(table)") {
                let values = row.databaseValues.map(literal).joined(separator: ", ")
                lines.append("INSERT INTO \(table) VALUES (\(values));")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func literal(_ value: DatabaseValue) -> String {
        switch value.storage {
        case .null: "NULL"
        case .int64(let number): "\(number)"
        case .double(let number): "\(number)"
        case .string(let text): "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
        case .blob(let data): "X'" + data.map { String(format: "%02x", $0) }.joined() + "'"
        }
    }
}
