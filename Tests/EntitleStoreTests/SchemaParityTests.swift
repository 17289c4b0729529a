import EntitleTestSupport
import Foundation
import GRDB
import Logging
import MarketplaceCore
import PostgresNIO
import Testing

@testable import EntitleStore

/// Both stores run the same SQL (`StoreSQL`), so their migrations must end in the same schema:
/// the same tables, columns (name, kind of value, NOT NULL, primary key) and indexes (name,
/// columns, unique, partial). A migration added to one store and not the other turns this red.
/// Kinds are what both stores hold alike: PostgreSQL's BOOLEAN, INTEGER and BIGINT are SQLite's
/// INTEGER (0 or 1 for a Boolean).
@Suite(.paced) struct SchemaParityTests {
    /// What only PostgreSQL has, and why: replicas elect a leader and lease subjects in tables
    /// (one SQLite process does both in memory); `outbox.seq` is PostgreSQL's spelling of the
    /// insertion order SQLite keeps in the rowid (`StoreSQL` names them `\(sqlite: "rowid",
    /// postgres: "seq")`).
    static let postgresOnly: Set<String> = [
        "table leader", "column leader.id integer NOT NULL PRIMARY KEY", "column leader.replica text NOT NULL",
        "column leader.since integer NOT NULL", "column leader.heartbeat integer NOT NULL",
        "table subject_lease", "column subject_lease.subject text NOT NULL PRIMARY KEY",
        "column subject_lease.holder text NOT NULL", "column subject_lease.until integer NOT NULL",
        "column outbox.seq integer NOT NULL",
    ]

    @Test("SQLite's and PostgreSQL's migrations make the same tables, columns and indexes")
    func sameSchema() async throws {
        let sqlite = try await TemporaryDatabase.withPath { path in
            let store = try await SQLiteStore(path: path)
            return try await store.pool.read { db in try Self.sqliteSchema(db) }
        }
        let postgres = try await TestPostgres.withDatabase { url in
            await (try await PostgresStore(url: url)).close()
            return try await SchemaUpgradeTests.withClient(url) { client in try await Self.postgresSchema(client) }
        }
        #expect(sqlite.count > 40, "the schema was not read: \(sqlite)")
        let onlySQLite = sqlite.subtracting(postgres).sorted()
        let onlyPostgres = postgres.subtracting(sqlite).subtracting(Self.postgresOnly).sorted()
        #expect(
            Self.postgresOnly.isSubset(of: postgres),
            "an exception no longer applies: \(Self.postgresOnly.subtracting(postgres))"
        )
        #expect(
            onlySQLite.isEmpty && onlyPostgres.isEmpty,
            "only in SQLite: \(onlySQLite); only in PostgreSQL: \(onlyPostgres)"
        )
    }

    /// One line per table, column and index.
    static func sqliteSchema(_ db: Database) throws -> Set<String> {
        var lines: Set<String> = []
        let tables = try String.fetchAll(
            db,
            sql:
                """
                SELECT name FROM sqlite_master
                WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'grdb_migrations'
                """
        )
        for table in tables {
            lines.insert("table \(table)")
            for row in try Row.fetchAll(db, sql: "PRAGMA table_info(\(table))") {
                let type = (row["type"] as String).uppercased()
                let kind = type.contains("INT") ? "integer" : type.contains("BLOB") ? "blob" : "text"
                let primary = (row["pk"] as Int) > 0
                let notNull = primary || (row["notnull"] as Bool)
                lines.insert(Self.column(table, row["name"], kind, notNull: notNull, primary: primary))
            }
            for index in try Row.fetchAll(db, sql: "PRAGMA index_list(\(table))")
            where (index["origin"] as String) == "c" {
                let name: String = index["name"]
                let columns = try Row.fetchAll(db, sql: "PRAGMA index_info(\(name))").map { $0["name"] as String }
                lines.insert(Self.index(table, name, columns, unique: index["unique"], partial: index["partial"]))
            }
        }
        return lines
    }

    static func postgresSchema(_ client: PostgresClient) async throws -> Set<String> {
        let logger = Logger(label: "entitle.test.schema")
        var lines: Set<String> = []
        let columns = try await client.query(
            """
            SELECT c.table_name, c.column_name, c.data_type, c.is_nullable,
                EXISTS (SELECT 1 FROM information_schema.table_constraints t
                    JOIN information_schema.key_column_usage k ON k.constraint_name = t.constraint_name
                        AND k.table_name = t.table_name
                    WHERE t.constraint_type = 'PRIMARY KEY' AND t.table_name = c.table_name
                        AND k.column_name = c.column_name)
            FROM information_schema.columns c
            WHERE c.table_schema = current_schema() AND c.table_name != 'entitle_migration'
            """,
            logger: logger
        )
        for try await (table, name, type, nullable, primary) in columns.decode(
            (String, String, String, String, Bool).self
        ) {
            lines.insert("table \(table)")
            let kind =
                switch type {
                case "bigint", "integer", "boolean": "integer"
                case "bytea": "blob"
                default: "text"
                }
            lines.insert(Self.column(table, name, kind, notNull: nullable == "NO", primary: primary))
        }
        // Indexes made by CREATE INDEX (not those behind a primary key).
        let indexes = try await client.query(
            """
            SELECT t.relname, i.relname, x.indisunique, x.indpred IS NOT NULL,
                array_to_string(ARRAY(SELECT a.attname FROM unnest(x.indkey) WITH ORDINALITY AS k(n, o)
                    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.n ORDER BY k.o), ',')
            FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
            JOIN pg_namespace s ON s.oid = t.relnamespace
            WHERE s.nspname = current_schema() AND NOT x.indisprimary AND t.relname != 'entitle_migration'
            """,
            logger: logger
        )
        let rows = indexes.decode((String, String, Bool, Bool, String).self)
        for try await (table, name, unique, partial, list) in rows {
            var columns = list.split(separator: ",").map(String.init)
            // Every SQLite index ends with the rowid unsaid; PostgreSQL names it (`seq`) where a query needs it.
            if table == "outbox" && columns.count > 1 && columns.last == "seq" { columns.removeLast() }
            lines.insert(Self.index(table, name, columns, unique: unique, partial: partial))
        }
        return lines
    }

    static func column(_ table: String, _ name: String, _ kind: String, notNull: Bool, primary: Bool) -> String {
        "column \(table).\(name) \(kind)\(notNull ? " NOT NULL" : "")\(primary ? " PRIMARY KEY" : "")"
    }

    static func index(_ table: String, _ name: String, _ columns: [String], unique: Bool, partial: Bool) -> String {
        let flags = (unique ? " UNIQUE" : "") + (partial ? " WHERE …" : "")
        return "index \(name) ON \(table)(\(columns.joined(separator: ", ")))\(flags)"
    }
}
