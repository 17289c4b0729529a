import EntitleTestSupport
import Foundation
import GRDB
import MarketplaceCore
import Testing

@testable import EntitleStore

/// A store write failing under batches taken in together: the transaction is the group's, so each
/// of its callers hears the failure, none of its records is kept, and the queue goes on writing.
extension UsageIntakeGroupTests {
    @Test("a write that fails fails every batch taken in with it: each caller hears it, nothing of it is kept")
    func failedWrite() async throws {
        try await TemporaryDatabase.withPath { path in
            let store = try await SQLiteStore(path: path)
            // Another connection makes one record's insert fail, as a store error would (a full disk).
            let side = try DatabaseQueue(path: path)
            try await side.write { db in
                try db.execute(
                    sql: """
                        CREATE TRIGGER fail_poison BEFORE INSERT ON usage_record
                        WHEN NEW.idempotency_key = 'poison' BEGIN SELECT RAISE(ABORT, 'injected failure'); END
                        """
                )
            }
            let keys = (0..<32).map { $0 == 16 ? "poison" : "f\($0)" }
            let outcomes = await withTaskGroup(of: (String, Result<[UsageAcceptance], any Error>).self) { group in
                for (index, key) in keys.enumerated() {
                    group.addTask {
                        let call = { () async throws -> [UsageAcceptance] in
                            try await store.recordUsage(
                                [Self.record(key, Int64(index + 1))],
                                app: "a",
                                windowLength: Self.hour,
                                at: Self.base
                            )
                        }
                        do { return (key, .success(try await call())) } catch { return (key, .failure(error)) }
                    }
                }
                return await group.reduce(into: [String: Result<[UsageAcceptance], any Error>]()) { $0[$1.0] = $1.1 }
            }
            let failed = Set(outcomes.filter { if case .failure = $0.value { true } else { false } }.keys)
            #expect(failed.contains("poison"))
            for (key, outcome) in outcomes where key != "poison" {
                if case .success(let acceptances) = outcome { #expect(acceptances.count == 1, "\(key)") }
                if case .failure(let error) = outcome {
                    #expect("\(error)".contains("injected failure"), "\(key) failed with its group's error: \(error)")
                }
            }
            let kept = keys.indices.filter { !failed.contains(keys[$0]) }
            var totals = try await store.unsealedUsage(entitlement: nil)
            #expect(totals.map(\.records) == [kept.count], "only the records of batches that were written")
            #expect(totals.map(\.quantity) == [Int64(kept.map { $0 + 1 }.reduce(0, +))])

            // The queue goes on: once the cause is gone, the failed ones are taken when sent again.
            try await side.write { db in try db.execute(sql: "DROP TRIGGER fail_poison") }
            try side.close()
            for (index, key) in keys.enumerated() where failed.contains(key) {
                let again = try await store.recordUsage(
                    [Self.record(key, Int64(index + 1))],
                    app: "a",
                    windowLength: Self.hour,
                    at: Self.base
                )
                #expect(again.count == 1, "\(key): \(again)")
                if case .duplicate? = again.first {
                    Issue.record("\(key) was kept although its caller heard it failed")
                }
            }
            totals = try await store.unsealedUsage(entitlement: nil)
            #expect(totals.map(\.records) == [keys.count])
            #expect(totals.map(\.quantity) == [Int64((1...keys.count).reduce(0, +))])
        }
    }
}
