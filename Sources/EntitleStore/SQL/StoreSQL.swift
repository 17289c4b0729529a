/// One SQL statement, written once for both stores: every interpolated value is bound, never
/// spliced into the text.
///
///     let find: StoreSQL = "SELECT * FROM handoff WHERE code_hash = \(hash) AND app = \(app)"
///
/// The few places where the dialects differ are spelt out at the spot, with
/// `\(sqlite: "…", postgres: "…")`; everything else is SQL both accept (upserts with
/// `ON CONFLICT`, `RETURNING`, `CAST(… AS TEXT)`, `TRUE`/`FALSE`).
///
/// The text is built once, in SQLite's spelling (`?` for each value), because SQLite runs on the
/// notification hot path; PostgreSQL's (`$1`, `$2`, …) is made from it when asked. So a `?` in the
/// text is always a placeholder: no statement has one in a literal or a name.
struct StoreSQL: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    private(set) var sqlite = ""
    /// PostgreSQL's text with `?` placeholders; nil while it is the same as SQLite's.
    private var postgresText: String?
    private(set) var arguments: [SQLValue] = []
    /// Only PostgreSQL runs it (a lock that SQLite's one writer does not need); SQLite skips it.
    private(set) var postgresOnly = false

    private init() {}

    init(stringLiteral value: String) {
        sqlite = value
    }

    init(stringInterpolation: StringInterpolation) {
        self = stringInterpolation.statement
    }

    /// PostgreSQL's text: each `?` becomes `$1`, `$2`, … in order. Built byte by byte: walking
    /// a multi-row insert's text by `Character` cost a millisecond a statement.
    var postgres: String {
        let source = (postgresText ?? sqlite).utf8
        var bytes: [UInt8] = []
        bytes.reserveCapacity(source.count + arguments.count * 4)
        var number = 0
        for byte in source {
            if byte == UInt8(ascii: "?") {
                number += 1
                bytes.append(UInt8(ascii: "$"))
                bytes.append(contentsOf: String(number).utf8)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The SQLite text, for logs and test failures (values are not shown: they may be personal).
    var description: String { sqlite }

    private mutating func append(sqlite: String, postgres: String) {
        if postgresText == nil && sqlite != postgres { postgresText = self.sqlite }
        self.sqlite += sqlite
        postgresText? += postgres
    }

    struct StringInterpolation: StringInterpolationProtocol {
        fileprivate var statement = StoreSQL()

        init(literalCapacity: Int, interpolationCount: Int) {
            statement.sqlite.reserveCapacity(literalCapacity + interpolationCount)
            statement.arguments.reserveCapacity(interpolationCount)
        }

        mutating func appendLiteral(_ literal: String) {
            statement.append(sqlite: literal, postgres: literal)
        }

        /// A bound value.
        mutating func appendInterpolation(_ value: some SQLBindable) {
            statement.arguments.append(value.sqlValue)
            statement.append(sqlite: "?", postgres: "?")
        }

        /// A bound value, or NULL.
        mutating func appendInterpolation(_ value: (some SQLBindable)?) {
            appendInterpolation(SQLValueOf(value: value?.sqlValue ?? .null))
        }

        /// Bound values separated by commas, for `IN (…)` (at least one: `IN ()` is no SQL).
        mutating func appendInterpolation(list values: [some SQLBindable]) {
            precondition(!values.isEmpty, "an empty IN list")
            for (index, value) in values.enumerated() {
                if index > 0 { appendLiteral(", ") }
                appendInterpolation(value)
            }
        }

        /// A list as one array value (PostgreSQL only: `SQLValue.texts`).
        mutating func appendInterpolation(array texts: [String]) {
            appendInterpolation(SQLValueOf(value: .texts(texts)))
        }

        mutating func appendInterpolation(array integers: [Int64]) {
            appendInterpolation(SQLValueOf(value: .integers(integers)))
        }

        mutating func appendInterpolation(array bools: [Bool]) {
            appendInterpolation(SQLValueOf(value: .bools(bools)))
        }

        /// A fragment that each dialect spells its own way (never a value from outside).
        mutating func appendInterpolation(sqlite: StaticString, postgres: StaticString) {
            statement.append(sqlite: sqlite.description, postgres: postgres.description)
        }

        /// A table or column name from the code (never a value from outside).
        mutating func appendInterpolation(name: StaticString) {
            statement.append(sqlite: name.description, postgres: name.description)
        }

        /// Another statement's text and values, in place (a shared clause).
        mutating func appendInterpolation(_ fragment: StoreSQL) {
            statement.append(sqlite: fragment.sqlite, postgres: fragment.postgresText ?? fragment.sqlite)
            statement.arguments += fragment.arguments
        }
    }
}

extension StoreSQL {
    /// Text compared byte by byte, as SQLite does by default (PostgreSQL sorts by the database's
    /// locale otherwise): pages that resume `after` an id see the same order in both.
    static let bytewise: StoreSQL = "\(sqlite: "", postgres: " COLLATE \"C\"")"

    /// The larger of two values (`MAX` is SQLite's scalar spelling, `GREATEST` PostgreSQL's).
    static let greatest: StoreSQL = "\(sqlite: "MAX", postgres: "GREATEST")"

    /// A lock on a name until the transaction ends (a sign-up's account, an entitlement's usage),
    /// so that replicas doing the same thing take turns. SQLite has one writer and skips it.
    static func lock(_ name: String) -> StoreSQL {
        var sql: StoreSQL = "SELECT pg_advisory_xact_lock(hashtextextended(\(name), 0))"
        sql.postgresOnly = true
        return sql
    }

    /// `lock` on each name, in the order given, in one statement (one round trip for a batch's).
    /// The names are one bound array, whatever their number.
    static func locks(_ names: [String]) -> StoreSQL {
        var sql: StoreSQL =
            "SELECT pg_advisory_xact_lock(hashtextextended(name, 0)) FROM unnest(\(array: names)) AS lock(name)"
        sql.postgresOnly = true
        return sql
    }

    /// This statement, run by PostgreSQL only (a table only replicas need); SQLite skips it.
    var onlyOnPostgres: StoreSQL {
        var sql = self
        sql.postgresOnly = true
        return sql
    }

    /// Locks the rows read until the transaction ends (SQLite's one writer needs no row locks).
    static let forUpdate: StoreSQL = "\(sqlite: "", postgres: " FOR UPDATE")"
}

extension StoreSQL {
    /// Statements joined by `separator` (rows of a multi-row `VALUES`), values in order.
    init(joining parts: some Sequence<StoreSQL>, separator: StaticString) {
        var interpolation = StringInterpolation(literalCapacity: 0, interpolationCount: 0)
        for (index, part) in parts.enumerated() {
            if index > 0 { interpolation.appendLiteral(separator.description) }
            interpolation.appendInterpolation(part)
        }
        self = interpolation.statement
    }

    /// Writes as one PostgreSQL statement: all but the last as the `WITH` of the last. PostgreSQL
    /// runs them once each, on one snapshot, and leaves two writes to one row undefined — so only
    /// for writes to distinct rows that do not read each other's effects. Nil for none.
    static func together(_ writes: [StoreSQL]) -> StoreSQL? {
        guard let last = writes.last else { return nil }
        guard writes.count > 1 else { return last }
        let named = writes.dropLast().enumerated().map { index, write -> StoreSQL in
            "\(StoreSQL(stringLiteral: "w\(index)")) AS (\(write))"
        }
        return "WITH \(StoreSQL(joining: named, separator: ", ")) \(last)"
    }
}
