import EntitleTestSupport
import Foundation
import GRDB
import Logging
import MarketplaceCore
import PostgresNIO
import Testing

@testable import EntitleStore

/// Upgrades from every earlier schema version: a store of that version holding rows in every table
/// (every column filled; `UpgradeFixtures` keeps one per version) migrates to today's schema with
/// every row and column intact, and today's Entitle serves it. A migration that loses a column's
/// data turns these red, and so does an edited old migration (the fixture's schema no longer
/// matches what the migrations up to its version make).
@Suite(.paced) struct SchemaUpgradeTests {
    typealias Snapshot = [String: [String]]
    typealias Columns = [String: [(name: String, kind: UpgradeRows.Kind)]]

    static let sqliteVersions = Array(SQLiteMigrations.migrator.migrations.dropLast())
    static let postgresVersions = PostgresMigrations.all.dropLast().map(\.name)

    static func describe(_ columns: Columns) -> [String] {
        columns.flatMap { table, list in list.map { "\(table).\($0.name) \($0.kind)" } }.sorted()
    }

    @Test("SQLite: every earlier schema migrates with its rows intact and is served", arguments: sqliteVersions)
    func sqlite(from version: String) async throws {
        let fixture = UpgradeFixtures.url("sqlite-\(version).sql")
        var configuration = Configuration()
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA foreign_keys = ON") }
        // What the migrations up to `version` make today.
        let expected = try await TemporaryDatabase.withPath { path in
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            defer { try? queue.close() }
            try SQLiteMigrations.migrator.migrate(queue, upTo: version)
            let columns = try await queue.read { db in try Self.sqliteColumns(db) }
            if !UpgradeFixtures.exists(fixture) {
                try await queue.write { db in try Self.sqliteInsert(columns, db) }
                try UpgradeFixtures.write(
                    try await queue.read { db in try UpgradeFixtures.sqliteDump(db) },
                    to: fixture
                )
                Issue.record("wrote \(fixture.path): review it and commit it")
            }
            return Self.describe(columns)
        }
        // A store as that version left it.
        try await TemporaryDatabase.withPath { path in
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            let dump = try String(contentsOf: fixture, encoding: .utf8)
            try await queue.writeWithoutTransaction { db in try db.execute(sql: dump) }
            let columns = try await queue.read { db in try Self.sqliteColumns(db) }
            #expect(Self.describe(columns) == expected, "the migrations up to \(version) no longer make its schema")
            let before = try await queue.read { db in try Self.sqliteSnapshot(columns, db) }
            try SQLiteMigrations.migrator.migrate(queue)
            let after = try await queue.read { db in try Self.sqliteSnapshot(columns, db) }
            try queue.close()
            Self.expectSame(before, after, from: version)
            try await Self.expectServed(try await SQLiteStore(path: path), tables: Set(columns.keys))
        }
    }

    @Test("PostgreSQL: every earlier schema migrates with its rows intact and is served", arguments: postgresVersions)
    func postgres(from version: String) async throws {
        let fixture = UpgradeFixtures.url("postgres-\(version).sql")
        let logger = Logger(label: "entitle.test.upgrade")
        // What the migrations up to `version` make today.
        let expected = try await TestPostgres.withDatabase { url in
            try await Self.withClient(url) { client in
                try await PostgresMigrations.migrate(client, through: version, logger: logger)
                let columns = try await Self.postgresColumns(client, logger: logger)
                if !UpgradeFixtures.exists(fixture) {
                    try await Self.postgresInsert(columns, client, logger: logger)
                    let raw = fixture.appendingPathExtension("raw")
                    try await TestPostgres.dump(url, to: raw.path)
                    try UpgradeFixtures.write(
                        UpgradeFixtures.portable(try String(contentsOf: raw, encoding: .utf8)),
                        to: fixture
                    )
                    try FileManager.default.removeItem(at: raw)
                    Issue.record("wrote \(fixture.path): review it and commit it")
                }
                return Self.describe(columns)
            }
        }
        // A database as that version left it.
        try await TestPostgres.withDatabase { url in
            try await TestPostgres.psql(url, file: fixture.path)
            let columns = try await Self.withClient(url) { client in
                let columns = try await Self.postgresColumns(client, logger: logger)
                #expect(Self.describe(columns) == expected, "the migrations up to \(version) no longer make its schema")
                let before = try await Self.postgresSnapshot(columns, client, logger: logger)
                try await PostgresMigrations.migrate(client, logger: logger)
                let after = try await Self.postgresSnapshot(columns, client, logger: logger)
                Self.expectSame(before, after, from: version)
                return columns
            }
            let store = try await PostgresStore(url: url)
            do {
                try await Self.expectServed(store, tables: Set(columns.keys))
                await store.close()
            } catch {
                await store.close()
                throw error
            }
        }
    }

    static func withClient<Value: Sendable>(
        _ url: String,
        _ body: (PostgresClient) async throws -> Value
    ) async throws -> Value {
        let logger = Logger(label: "entitle.test.upgrade")
        let client = PostgresClient(configuration: try PostgresSettings(url: url).client, backgroundLogger: logger)
        let running = Task { await client.run() }
        defer { running.cancel() }
        return try await body(client)
    }

    @Test("PostgreSQL: a database a newer Entitle migrated is refused before anything is written")
    func postgresNewerSchema() async throws {
        try await TestPostgres.withDatabase { url in
            await (try await PostgresStore(url: url)).close()
            try await TestPostgres.psql(url, "INSERT INTO entitle_migration (name) VALUES ('v99-from-a-newer-release')")
            let fingerprint = """
                SELECT (SELECT string_agg(name, ',' ORDER BY name) FROM entitle_migration) || ' ' ||
                    (SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema())
                """
            let before = try await Self.scalar(url, fingerprint)
            await #expect(throws: SchemaTooNewError.self) { try await PostgresStore(url: url) }
            #expect(try await Self.scalar(url, fingerprint) == before)
            let status = try await StoreInspection.schemaStatus(.postgres(url: url))
            #expect(status.unknown == ["v99-from-a-newer-release"] && status.pending.isEmpty)
        }
    }

    static func scalar(_ url: String, _ sql: String) async throws -> String {
        let logger = Logger(label: "entitle.test.upgrade")
        let client = PostgresClient(configuration: try PostgresSettings(url: url).client, backgroundLogger: logger)
        let running = Task { await client.run() }
        defer { running.cancel() }
        var value = ""
        let rows = try await client.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        for try await text in rows.decode(String.self) { value = text }
        return value
    }

    // MARK: What must hold after the upgrade

    /// Tables a later migration empties on purpose: sign-up sessions live minutes, and kept their
    /// codes as given until the browser-bound codes' migration, which removes them (buyers start
    /// again from Marketplace) rather than keep a usable code in the store. From that version on
    /// they are kept.
    static func emptiedByMigrations(from version: String) -> Set<String> {
        let sqlite = SQLiteMigrations.migrator.migrations
        let list = sqlite.contains(version) ? sqlite : PostgresMigrations.all.map(\.name)
        let emptying = list.firstIndex { $0.hasSuffix("-browser-bound-codes") } ?? list.count
        return (list.firstIndex(of: version) ?? 0) < emptying ? ["signup_session"] : []
    }

    static func expectSame(_ before: Snapshot, _ after: Snapshot, from version: String) {
        let emptiedByMigrations = emptiedByMigrations(from: version)
        #expect(!before.isEmpty)
        for (table, rows) in before.sorted(by: { $0.key < $1.key }) {
            #expect(rows.count == UpgradeRows.rowCount(table), "\(table) at \(version): \(rows)")
            let expected = emptiedByMigrations.contains(table) ? [] : rows
            #expect(after[table] == expected, "\(table): rows written at \(version) changed by the migrations")
        }
    }

    /// Today's store reads the old rows back through its own API and takes a new write.
    static func expectServed(_ store: any Store, tables: Set<String>) async throws {
        let entitlement = try await store.entitlement(EntitlementID(UpgradeRows.entitlementID(1)))
        #expect(entitlement?.resource.plan == "plan-1" && entitlement?.accountID?.rawValue == UpgradeRows.accountID(1))
        #expect(try await store.account(AccountID(UpgradeRows.accountID(2)))?.isSignedUp == true)
        #expect(try await store.customer(id: UpgradeRows.customerID(1)) != nil)
        #expect(try await store.entitlements(ofAccount: AccountID(UpgradeRows.accountID(2))).count == 1)
        #expect(try await store.callbacks(status: nil, limit: 10).count == 2)
        #expect(try await store.auditLog(subject: nil, limit: 10).count == 2)
        #expect(try await store.poisonMessages(limit: 10).count == 2)
        _ = try await store.counts()
        if tables.contains("usage_operation") {
            let operations = try await store.usageOperations(
                statuses: UsageOperationRecord.Status.allCases,
                entitlement: nil,
                limit: 10
            )
            #expect(operations.count == 2)
        }
        if tables.contains("dead_letter") { #expect(try await store.deadLetters(limit: 10).count == 2) }
        let event = "upgrade-\(UUID().uuidString)"
        #expect(try await store.commit(StoreCommit(eventID: event)) == .committed)
        #expect(try await store.isProcessed(eventID: event))
    }

    // MARK: SQLite

    static func sqliteColumns(_ db: Database) throws -> Columns {
        let tables = try String.fetchAll(
            db,
            sql:
                """
                SELECT name FROM sqlite_master
                WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'grdb_migrations'
                """
        )
        var columns: Columns = [:]
        for table in tables {
            columns[table] = try Row.fetchAll(db, sql: "PRAGMA table_info(\(table))").map { row in
                let type = (row["type"] as String).uppercased()
                let kind: UpgradeRows.Kind = type.contains("INT") ? .integer : type.contains("BLOB") ? .blob : .text
                return (row["name"], kind)
            }
        }
        return columns
    }

    // Parents before children (account refers to customer).
    static func ordered(_ tables: some Collection<String>) -> [String] {
        tables.sorted { ($0 == "customer" ? 0 : 1, $0) < ($1 == "customer" ? 0 : 1, $1) }
    }

    static func sqliteInsert(_ columns: Columns, _ db: Database) throws {
        for table in ordered(columns.keys) {
            let names = columns[table]!.map(\.name)
            let placeholders = names.map { _ in "?" }.joined(separator: ", ")
            let sql = "INSERT INTO \(table) (\(names.joined(separator: ", "))) VALUES (\(placeholders))"
            for n in 1...UpgradeRows.rowCount(table) {
                let values: [any DatabaseValueConvertible] = try columns[table]!.map { column in
                    switch try UpgradeRows.value(table: table, column: column.name, kind: column.kind, row: n) {
                    case .text(let text): text
                    case .integer(let number): number
                    case .boolean(let flag): flag
                    case .blob(let bytes): Data(bytes)
                    }
                }
                try db.execute(sql: sql, arguments: StatementArguments(values))
            }
        }
    }

    static func sqliteSnapshot(
        _ columns: Columns,
        _ db: Database
    ) throws -> Snapshot {
        var snapshot: Snapshot = [:]
        for (table, list) in columns {
            let names = list.map(\.name)
            let rows = try Row.fetchAll(db, sql: "SELECT \(names.joined(separator: ", ")) FROM \(table)")
            snapshot[table] = rows.map { row in names.map { "\($0)=\(row[$0] as DatabaseValue)" }.joined(separator: " ")
            }.sorted()
        }
        return snapshot
    }

    // MARK: PostgreSQL

    static func postgresColumns(
        _ client: PostgresClient,
        logger: Logger
    ) async throws -> Columns {
        var columns: Columns = [:]
        let rows = try await client.query(
            """
            SELECT table_name, column_name, data_type FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name != 'entitle_migration'
            ORDER BY table_name, ordinal_position
            """,
            logger: logger
        )
        for try await (table, column, type) in rows.decode((String, String, String).self) {
            let kind: UpgradeRows.Kind =
                switch type {
                case "bigint": .integer
                case "integer": .integer32
                case "boolean": .boolean
                case "bytea": .blob
                default: .text
                }
            columns[table, default: []].append((column, kind))
        }
        return columns
    }

    static func postgresInsert(
        _ columns: Columns,
        _ client: PostgresClient,
        logger: Logger
    ) async throws {
        for table in ordered(columns.keys) {
            let names = columns[table]!.map(\.name)
            let placeholders = names.indices.map { "$\($0 + 1)" }.joined(separator: ", ")
            for n in 1...UpgradeRows.rowCount(table) {
                var bindings = PostgresBindings()
                for column in columns[table]! {
                    switch try UpgradeRows.value(table: table, column: column.name, kind: column.kind, row: n) {
                    case .text(let text): bindings.append(text)
                    case .integer(let number):
                        column.kind == .integer32 ? bindings.append(Int32(number)) : bindings.append(number)
                    case .boolean(let flag): bindings.append(flag)
                    case .blob(let bytes): bindings.append(ByteBuffer(bytes: bytes))
                    }
                }
                let sql = "INSERT INTO \(table) (\(names.joined(separator: ", "))) VALUES (\(placeholders))"
                do {
                    try await client.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
                } catch {
                    // PostgresNIO hides the server's message from `description`.
                    Issue.record("\(sql): \(String(reflecting: error))")
                    throw error
                }
            }
        }
    }

    static func postgresSnapshot(
        _ columns: Columns,
        _ client: PostgresClient,
        logger: Logger
    ) async throws -> Snapshot {
        var snapshot: Snapshot = [:]
        for (table, list) in columns {
            let fields = list.map { "'\($0.name)', \($0.name)" }.joined(separator: ", ")
            let query = PostgresQuery(unsafeSQL: "SELECT json_build_object(\(fields))::text FROM \(table)")
            var rows: [String] = []
            for try await row in try await client.query(query, logger: logger).decode(String.self) { rows.append(row) }
            snapshot[table] = rows.sorted()
        }
        return snapshot
    }
}
