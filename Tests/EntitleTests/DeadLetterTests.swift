import Entitle
import EntitleStore
import EntitleTestSupport
import Foundation
import GRDB
import GoogleCloud
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// A notification that keeps failing is handed back with a growing delay, then dead-lettered:
/// kept with its error and payload, acked, listed, and replayable.
@Suite(.paced) struct DeadLetterTests {
    static let adminToken = "dead-letter-admin-token"

    @Test(
        "a notification whose commit keeps failing comes back after 1 s, then 2 s, is dead-lettered at the third attempt and acked; the admin API and CLI list it; a replay fails while the cause lasts and processes it once it is gone"
    )
    func deadLettered() async throws {
        try await TemporaryDatabase.withPath { path in
            var options = EmulatorOptions()
            options.requireSignupBeforeApproval = false
            options.pullWait = .milliseconds(100)
            try await EmulatorHarness.withEmulator(options) { running in
                try await EntitleHarness.withEntitle(running, storePath: path) { configuration in
                    configuration.adminToken = Self.adminToken
                    configuration.notificationRetrySeconds = 1
                    configuration.deadLetterAfterAttempts = 3
                } _: { entitle in
                    let (base, built) = (entitle.baseURL, entitle.built)
                    let admin = entitle.client(bearer: Self.adminToken)
                    // A real store failure for every new entitlement, until the trigger goes.
                    let database = try sideDatabase(path)
                    try await database.write { db in
                        try db.execute(
                            sql:
                                "CREATE TRIGGER refuse_entitlements BEFORE INSERT ON entitlement BEGIN SELECT RAISE(ABORT, 'injected store failure'); END"
                        )
                    }
                    let purchase = try await running.control.buy(product: "example-messaging-service", plan: "basic")
                    let subject = "entitlements/\(purchase.entitlementId)"
                    var letters: [DeadLetter] = []
                    _ = try await eventually(within: .seconds(20), every: .milliseconds(100)) {
                        letters = try await admin.get("api/admin/dead-letters").decode([DeadLetter].self)
                        return letters.contains { $0.subject == subject }
                    }
                    let letter = try #require(letters.first { $0.subject == subject }, "dead-lettered: \(letters)")
                    #expect(letter.attempts == 3 && letter.error.contains("injected store failure"), "\(letter)")
                    let waited =
                        Double(letter.deadLetteredAt.seconds - letter.firstFailedAt.seconds)
                        + Double(letter.deadLetteredAt.nanos - letter.firstFailedAt.nanos) / 1e9
                    #expect(
                        waited >= 2.9,
                        "handed back after 1 s, then 2 s: \(waited) s between the first failure and the third"
                    )
                    #expect(
                        String(decoding: letter.data, as: UTF8.self).contains(purchase.entitlementId),
                        "the payload is kept"
                    )

                    // Acked: it does not come again (a new failure would be counted).
                    try await Task.sleep(for: .seconds(2))
                    let counted = try await database.read { db in
                        try Int.fetchOne(
                            db,
                            sql: "SELECT COUNT(*) FROM delivery_failure WHERE message_key = ?",
                            arguments: [letter.messageID ?? ""]
                        )
                    }
                    #expect(counted == 0, "no attempt after dead-lettering")
                    let cli = try await ChildProcess.run(
                        try ChildProcess.builtExecutable("entitle"),
                        arguments: ["dead-letters", "list", "--url", base.absoluteString, "--token", Self.adminToken]
                    )
                    #expect(cli.status == 0 && cli.output.contains(purchase.entitlementId), "\(cli)")

                    let id = try #require(letter.id)
                    let failing = try await admin.post("api/admin/dead-letters/\(id)/replay")
                    #expect(failing.status == 502 && failing.text.contains("injected"), "\(failing)")
                    #expect(try await built.store.deadLetter(id: id)?.replayError?.contains("injected") == true)
                    try await database.write { db in try db.execute(sql: "DROP TRIGGER refuse_entitlements") }
                    let replayed = try await admin.post("api/admin/dead-letters/\(id)/replay")
                    #expect(replayed.status == 200, "\(replayed)")
                    let after = try await built.store.deadLetter(id: id)
                    #expect(after?.replayedAt != nil && after?.replayError == nil, "\(String(describing: after))")
                    #expect(
                        try await built.store.entitlement(try EntitlementID(purchase.entitlementId)) != nil,
                        "processed by the replay"
                    )
                    #expect(try await admin.post("api/admin/dead-letters/999999/replay").status == 404)
                }
            }
        }
    }

    @Test("a store outage is not the message's fault: handed back every time, never counted towards dead-lettering")
    func storeOutagesUncounted() async throws {
        try await TemporaryDatabase.withPath { path in
            let store = try await SQLiteStore(path: path)
            let procurement = ProcurementClient(
                provider: try ProviderID("vendor"),
                baseURL: URL(string: "http://127.0.0.1:9/")!,
                transport: GoogleAPITransport(credentials: NoTokenProvider(), retryPolicy: .none)
            )
            let processor = NotificationProcessor(
                store: store,
                procurement: procurement,
                policies: ApprovalPolicies(),
                retry: NotificationRetrySchedule(initialSeconds: 1, deadLetterAfter: 2)
            )
            let data = Data(#"{"eventId":"outage-1","eventType":"ENTITLEMENT_ACTIVE","entitlement":{"id":"E-1"}}"#.utf8)
            for _ in 0..<5 {
                let decision = try await processor.failed(
                    data: data,
                    messageID: "m-1",
                    error: StoreError.unavailable("PostgreSQL did not answer within 5.0 s")
                )
                #expect(decision == .retry(afterSeconds: 1))
            }
            #expect(try await store.deadLetters(limit: 10).isEmpty)
            // Any other failure counts: the second one dead-letters it.
            struct Broken: Error {}
            #expect(
                try await processor.failed(data: data, messageID: "m-1", error: Broken()) == .retry(afterSeconds: 1)
            )
            guard case .deadLettered = try await processor.failed(data: data, messageID: "m-1", error: Broken()) else {
                Issue.record("the second counted failure dead-letters the message")
                return
            }
        }
    }
}
