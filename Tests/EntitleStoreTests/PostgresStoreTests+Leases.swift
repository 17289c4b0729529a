import EntitleStore
import EntitleTestSupport
import Foundation
import MarketplaceCore
import Testing

/// A decision's lease given back by its commit, and renewals that never take a lease back.
extension PostgresStoreTests {
    @Test("a commit gives its lease back, processed or already processed; a renewal never takes a lease back")
    func leaseGivenBackByCommit() async throws {
        try await TestPostgres.withDatabase { url in
            let store = try await PostgresStore(url: url)
            let t0 = Timestamp(Date(timeIntervalSince1970: 1_000_000))
            let subject = "entitlements/e-1"
            let (a, b) = (SubjectLease(subject: subject, holder: "a"), SubjectLease(subject: subject, holder: "b"))
            func take(_ holder: String, at seconds: Int64) async throws -> Bool {
                try await store.acquireSubject(
                    subject,
                    holder: holder,
                    until: t0.adding(seconds: seconds + 30),
                    now: t0.adding(seconds: seconds)
                )
            }
            #expect(try await take("a", at: 0))
            #expect(try await store.renewSubject(subject, holder: "a", until: t0.adding(seconds: 40)))
            #expect(try await store.renewSubject(subject, holder: "b", until: t0.adding(seconds: 40)) == false)
            #expect(try await take("b", at: 1) == false, "a holds it")

            let audit = [AuditEntry(at: t0, kind: .event, subject: subject, summary: "s", payload: nil)]
            let commit = StoreCommit(eventID: "event-1", audit: audit, releasing: a)
            #expect(try await store.commit(commit) == .committed)
            #expect(try await take("b", at: 2), "given back by the commit")
            // The same event again: nothing written, the lease given back all the same.
            var again = commit
            again.releasing = b
            #expect(try await store.commit(again) == .alreadyProcessed)
            #expect(try await take("a", at: 3), "given back by the commit that found the event processed")

            try await store.releaseSubject(subject, holder: "a")
            #expect(try await store.renewSubject(subject, holder: "a", until: t0.adding(seconds: 60)) == false)
            #expect(try await take("b", at: 4), "the renewal after the release did not take it back")
            await store.close()
        }
    }
}
