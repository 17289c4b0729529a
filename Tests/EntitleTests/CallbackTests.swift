import Entitle
import EntitleStore
import EntitleTestSupport
import Foundation
import GRDB
import MarketplaceCore
import Testing

/// Provisioning callbacks: signatures, the retry schedule, and delivery to a real HTTP receiver.
@Suite(.paced) struct CallbackTests {

    private func queue(_ store: SQLiteStore, id: String = UUID().uuidString) async throws -> OutboxItem {
        let item = OutboxItem(
            id: id,
            kind: .activated,
            accountID: try AccountID("A-1"),
            entitlementID: try EntitlementID("E-1"),
            body: #"{"id":"\#(id)","type":"entitlement.activated"}"#,
            createdAt: Timestamp(Date())
        )
        _ = try await store.commit(StoreCommit(callbacks: [item]))
        return item
    }

    private func eventually(_ condition: () async throws -> Bool) async throws -> Bool {
        try await EntitleTestSupport.eventually(condition)
    }

    @Test("a signature verifies; a changed body, another secret or an old timestamp does not")
    func signatures() {
        let signer = CallbackSigner(secret: "whsec_test")
        let body = Data(#"{"id":"1"}"#.utf8)
        let now = Date()
        let header = signer.signature(body: body, timestamp: Int(now.timeIntervalSince1970))
        #expect(signer.verify(header: header, body: body, now: now))
        #expect(!signer.verify(header: header, body: Data(#"{"id":"2"}"#.utf8), now: now))
        #expect(!CallbackSigner(secret: "other").verify(header: header, body: body, now: now))
        #expect(
            !signer.verify(header: header, body: body, now: now.addingTimeInterval(600)),
            "replayed ten minutes later"
        )
        #expect(!signer.verify(header: "t=abc,v1=zz", body: body, now: now))
    }

    @Test("retries double from the initial wait up to the maximum, and stop at the horizon")
    func schedule() {
        let schedule = CallbackRetrySchedule(initialSeconds: 5, maximumSeconds: 60, horizonSeconds: 300)
        let queued = Timestamp(seconds: 1000)
        #expect(schedule.nextAttempt(afterAttempts: 1, queuedAt: queued, now: queued) == Timestamp(seconds: 1005))
        #expect(
            schedule.nextAttempt(afterAttempts: 3, queuedAt: queued, now: Timestamp(seconds: 1010))
                == Timestamp(seconds: 1030)
        )
        #expect(
            schedule.nextAttempt(afterAttempts: 9, queuedAt: queued, now: Timestamp(seconds: 1100))
                == Timestamp(seconds: 1160),
            "capped"
        )
        #expect(
            schedule.nextAttempt(afterAttempts: 9, queuedAt: queued, now: Timestamp(seconds: 1250)) == nil,
            "past the horizon"
        )
    }

    @Test("a failing webhook gets the same callback again until it answers 2xx: same id, valid signature each time")
    func retriedUntilDelivered() async throws {
        try await TemporaryDatabase.withPath { path in
            let store = try await SQLiteStore(path: path)
            let item = try await queue(store)
            let receiver = HTTPReceiver(statuses: [500, 503])
            let signer = CallbackSigner(secret: "whsec_test")
            try await receiver.serve { url in
                let settings = CallbackDispatcher.Settings(
                    webhookURL: url,
                    pollInterval: .milliseconds(20),
                    schedule: CallbackRetrySchedule(initialSeconds: 0.05, maximumSeconds: 0.2, horizonSeconds: 60)
                )
                try await ServiceScope.run(
                    [CallbackDispatcher(store: store, signer: signer, settings: settings)],
                    label: "test.callbacks"
                ) {
                    let delivered = try await eventually { try await store.callback(id: item.id)?.status == .delivered }
                    #expect(delivered)
                }
            }
            let requests = await receiver.requests
            #expect(requests.count == 3)
            #expect(
                requests.allSatisfy {
                    $0.headers["entitle-callback-id"] == item.id
                        && $0.headers["entitle-callback-type"] == "entitlement.activated"
                }
            )
            #expect(requests.allSatisfy { signer.verify(header: $0.headers["entitle-signature"] ?? "", body: $0.body) })
            #expect(requests.allSatisfy { $0.body == Data(item.body.utf8) })
            #expect(try await store.callback(id: item.id)?.attempts == 3)
        }
    }

    @Test("past the horizon a callback is given up; a replay sends it again with the same id")
    func givenUpThenReplayed() async throws {
        try await TemporaryDatabase.withPath { path in
            let store = try await SQLiteStore(path: path)
            let clock = ManualClock()
            let item = OutboxItem(
                id: UUID().uuidString,
                kind: .activated,
                accountID: nil,
                entitlementID: try EntitlementID("E-1"),
                body: "{}",
                createdAt: clock.now
            )
            _ = try await store.commit(StoreCommit(callbacks: [item]))
            let receiver = HTTPReceiver(statuses: Array(repeating: 500, count: 1000))
            try await receiver.serve { url in
                // Retries 10 s apart, given up 25 s after queueing: attempts at +0, +10, +20, then no more.
                let settings = CallbackDispatcher.Settings(
                    webhookURL: url,
                    pollInterval: .milliseconds(10),
                    schedule: CallbackRetrySchedule(initialSeconds: 10, maximumSeconds: 10, horizonSeconds: 25)
                )
                let dispatcher = CallbackDispatcher(
                    store: store,
                    signer: CallbackSigner(secret: "s"),
                    settings: settings,
                    now: { clock.now }
                )
                try await ServiceScope.run([dispatcher], label: "test.callbacks") {
                    for attempt in 1...3 {
                        #expect(try await receiver.waitFor(attempt).count == attempt)
                        #expect(try await eventually { try await store.callback(id: item.id)?.attempts == attempt })
                        clock.advance(seconds: 10)
                    }
                    #expect(
                        try await store.callback(id: item.id)?.status == .failed,
                        "given up after the third attempt"
                    )
                    try await Task.sleep(for: .milliseconds(100))
                    #expect(await receiver.requests.count == 3, "no attempt after giving up")
                    await receiver.respond(with: [])
                    #expect(try await store.replayCallback(id: item.id, now: clock.now))
                    #expect(try await eventually { try await store.callback(id: item.id)?.status == .delivered })
                }
            }
            #expect(await receiver.requests.count == 4)
            #expect(await receiver.requests.allSatisfy { $0.headers["entitle-callback-id"] == item.id })
        }
    }

    @Test(
        "callbacks arrive in order per entitlement, with 4 at a time and one failing twice: its entitlement's later ones wait, the others go on"
    )
    func orderedPerEntitlement() async throws {
        try await TemporaryDatabase.withPath { path in
            let store = try await SQLiteStore(path: path)
            let subjects = ["E-a", "E-b", "E-c"]
            var ids: [String: String] = [:]
            for sequence in 1...10 {
                for subject in subjects {
                    let id = "\(subject)-\(sequence)"
                    ids[id] = subject
                    let item = OutboxItem(
                        id: id,
                        kind: .activated,
                        accountID: nil,
                        entitlementID: try EntitlementID(subject),
                        body: #"{"id":"\#(id)"}"#,
                        createdAt: Timestamp(Date())
                    )
                    _ = try await store.commit(StoreCommit(callbacks: [item]))
                }
            }
            let receiver = HTTPReceiver()
            await receiver.respond(with: [500, 503], whenHeader: "Entitle-Callback-Id", is: "E-a-3")
            try await receiver.serve { url in
                let settings = CallbackDispatcher.Settings(
                    webhookURL: url,
                    concurrency: 4,
                    pollInterval: .milliseconds(10),
                    schedule: CallbackRetrySchedule(initialSeconds: 0.05, maximumSeconds: 0.1, horizonSeconds: 60)
                )
                try await ServiceScope.run(
                    [CallbackDispatcher(store: store, signer: CallbackSigner(secret: "s"), settings: settings)],
                    label: "test"
                ) {
                    let drained = try await eventually {
                        try await store.callbacks(status: .pending, limit: 100).isEmpty
                    }
                    #expect(drained)
                }
            }
            let received = await receiver.requests.compactMap { $0.headers["entitle-callback-id"] }
            #expect(received.count == 32, "30 callbacks, E-a-3 twice more: \(received.count)")
            for subject in subjects {
                let sequence = received.filter { ids[$0] == subject }.compactMap {
                    Int($0.split(separator: "-").last ?? "")
                }
                #expect(
                    sequence == sequence.sorted() && Set(sequence) == Set(1...10),
                    "\(subject) in order: \(sequence)"
                )
            }
            let firstOfB = try #require(received.firstIndex(of: "E-b-4"))
            #expect(firstOfB < received.lastIndex(of: "E-a-3")!, "other entitlements did not wait for E-a's retries")
        }
    }

    @Test("a store failure while recording a delivery is retried in place: the callback is not POSTed again meanwhile")
    func storeFailureWhileMarking() async throws {
        try await TemporaryDatabase.withPath { path in
            let store = try await SQLiteStore(path: path)
            let item = try await queue(store)
            // A real SQLite failure on the write that marks it delivered, until the trigger goes.
            let database = try sideDatabase(path)
            try await database.write { db in
                try db.execute(
                    sql: """
                        CREATE TRIGGER refuse_delivered BEFORE UPDATE ON outbox WHEN NEW.status = 'delivered'
                        BEGIN SELECT RAISE(ABORT, 'disk I/O error (injected)'); END
                        """
                )
            }
            let receiver = HTTPReceiver()
            try await receiver.serve { url in
                let settings = CallbackDispatcher.Settings(webhookURL: url, pollInterval: .milliseconds(20))
                try await ServiceScope.run(
                    [CallbackDispatcher(store: store, signer: CallbackSigner(secret: "s"), settings: settings)],
                    label: "test"
                ) {
                    let first = try await receiver.waitFor(1)
                    #expect(first.count == 1)
                    try await Task.sleep(for: .seconds(1))
                    #expect(await receiver.requests.count == 1, "not POSTed again while the store fails")
                    #expect(try await store.callback(id: item.id)?.status == .pending)
                    try await database.write { db in try db.execute(sql: "DROP TRIGGER refuse_delivered") }
                    #expect(try await eventually { try await store.callback(id: item.id)?.status == .delivered })
                }
            }
            #expect(await receiver.requests.count == 1, "delivered once")
        }
    }
}
