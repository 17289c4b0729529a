import EntitleTestSupport
import Foundation
import Testing

@testable import EntitleStore

/// One statement text, two dialects: values are bound (never in the text), PostgreSQL's
/// placeholders are numbered in order, also across a shared clause, and a fragment each dialect
/// spells its own way reaches only its own.
@Suite(.paced) struct StoreSQLTests {
    @Test("values are bound and numbered per dialect; dialect fragments and shared clauses compose")
    func dialects() {
        let name = "x'); DROP TABLE account; --"
        let clause: StoreSQL = "status IN (\(list: ["a", "b"])) AND id\(StoreSQL.bytewise) > \(name)"
        let sql: StoreSQL = """
            SELECT \(sqlite: "rowid", postgres: "seq") FROM outbox WHERE subject = \(name) AND \(clause) \
            LIMIT \(5)\(StoreSQL.forUpdate)
            """
        #expect(sql.sqlite == "SELECT rowid FROM outbox WHERE subject = ? AND status IN (?, ?) AND id > ? LIMIT ?")
        let postgres = #"SELECT seq FROM outbox WHERE subject = $1 AND status IN ($2, $3) AND id COLLATE "C" > $4"#
        #expect(sql.postgres == postgres + " LIMIT $5 FOR UPDATE")
        #expect(sql.arguments == [.text(name), .text("a"), .text("b"), .text(name), .integer(5)])
        let plain: StoreSQL = "DELETE FROM inbox WHERE event_id = \(Optional<String>.none) AND x = \(true)"
        #expect(plain.postgres == "DELETE FROM inbox WHERE event_id = $1 AND x = $2")
        #expect(plain.arguments == [.null, .bool(true)] && !plain.postgresOnly)
        #expect(StoreSQL.lock("usage:E-1").postgresOnly)
    }
}
