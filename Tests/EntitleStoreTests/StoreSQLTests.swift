import EntitleTestSupport
import Foundation
import MarketplaceCore
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

    @Test(
        "a notification's commit is one statement on PostgreSQL, its writes before the claim; never when two could meet"
    )
    func oneStatementCommit() throws {
        let account = LocalAccount(id: try AccountID("A-1"))
        let audit = AuditEntry(
            at: Timestamp(seconds: 1),
            kind: .event,
            subject: "accounts/A-1",
            eventID: "e-1",
            summary: ""
        )
        let lease = SubjectLease(subject: "accounts/A-1", holder: "replica")
        let commit = StoreCommit(eventID: "e-1", accounts: [account], audit: [audit], releasing: lease)
        let sql = try #require(try CommitSQL.oneStatement(commit, at: Timestamp(seconds: 2)))
        let text = sql.postgres
        #expect(text.hasPrefix("WITH w0 AS (INSERT INTO account "), "\(text)")
        #expect(
            text.contains("), w1 AS (INSERT INTO audit_log ") && text.contains("), w2 AS (DELETE FROM subject_lease ")
        )
        // The claim is the statement itself, without ON CONFLICT: a second claim fails it whole.
        let count = sql.arguments.count
        #expect(text.hasSuffix(") INSERT INTO inbox (event_id, processed_at) VALUES ($\(count - 1), $\(count))"))
        #expect(sql.arguments.suffix(2) == [.text("e-1"), Timestamp(seconds: 2).sqlValue])

        var twoAccounts = commit
        twoAccounts.accounts.append(LocalAccount(id: try AccountID("A-2")))
        var erasing = commit
        erasing.erase = [account.id]
        var manyAudit = commit
        manyAudit.audit = Array(repeating: audit, count: CommitSQL.auditRowsPerStatement + 1)
        var noEvent = commit
        noEvent.eventID = nil
        for other in [twoAccounts, erasing, manyAudit, noEvent] {
            #expect(try CommitSQL.oneStatement(other, at: Timestamp(seconds: 2))?.sqlite == nil)
        }
    }
}
