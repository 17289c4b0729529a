import EntitleStore
import EntitleTestSupport
import Foundation
import MarketplaceCore
import PostgresNIO
import Testing

/// `PostgresStore` on a real PostgreSQL server (`TestPostgres`: CI's, or one this process starts):
/// the same conformance suite as SQLite, each check in a database of its own.
@Suite(.paced) struct PostgresStoreTests {
    @Test("store conformance", arguments: StoreConformance.checks.keys.sorted())
    func conformance(check: String) async throws {
        try await TestPostgres.withDatabase { url in
            // The checks are about what is stored, not how fast: with every suite running at once
            // on two cores, a check's burst of concurrent writes can outlast a request's bound.
            let store = try await PostgresStore(url: url, timeout: .seconds(60))
            do {
                try await StoreConformance.checks[check]!(store)
                await store.close()
            } catch {
                await store.close()
                throw error
            }
        }
    }

    @Test("several stores migrating one database at once: each migration once, all of them usable")
    func concurrentMigrations() async throws {
        try await TestPostgres.withDatabase { url in
            let stores = try await withThrowingTaskGroup(of: PostgresStore.self) { group in
                for _ in 0..<4 { group.addTask { try await PostgresStore(url: url) } }
                var all: [PostgresStore] = []
                for try await store in group { all.append(store) }
                return all
            }
            for store in stores {
                #expect(try await store.commit(StoreCommit(eventID: UUID().uuidString)) == .committed)
                await store.close()
            }
        }
    }

    @Test(
        "a stopped server: calls end within the bound as StoreError.unavailable; back, the store works again"
    )
    func stoppedServer() async throws {
        let cluster = try await PostgresCluster.create()
        do {
            try await TestPostgres.psql(cluster.url, "CREATE DATABASE outage")
            let url = TestPostgres.replacingDatabase(in: cluster.url, with: "outage")
            let store = try await PostgresStore(url: url, timeout: .seconds(2))
            #expect(try await store.commit(StoreCommit(eventID: "before")) == .committed)
            try await cluster.stop()
            for call in 0..<3 {
                let started = ContinuousClock.now
                do {
                    _ = try await store.commit(StoreCommit(eventID: "during-\(call)"))
                    Issue.record("a commit with the server stopped succeeded")
                } catch StoreError.unavailable {}
                #expect(ContinuousClock.now - started < .seconds(3), "call \(call) within the bound")
            }
            let started = ContinuousClock.now
            do {
                try await store.probe(within: .milliseconds(500))
                Issue.record("the probe succeeded with the server stopped")
            } catch StoreError.unavailable {}
            #expect(ContinuousClock.now - started < .milliseconds(1_200), "the probe within its own bound")
            try await cluster.start()
            let back = try await eventually(within: .seconds(10), every: .milliseconds(200)) {
                (try? await store.probe(within: .seconds(1))) != nil ? true : nil
            }
            #expect(back == true, "ready again within 10 s of the server's return")
            #expect(try await store.isProcessed(eventID: "before"))
            #expect(try await !store.isProcessed(eventID: "during-0"))
            await store.close()
        } catch {
            await cluster.remove()
            throw error
        }
        await cluster.remove()
    }

    @Test("subject leases: one holder at a time, renewed by its holder, released only by it, taken over when run out")
    func subjectLeases() async throws {
        try await TestPostgres.withDatabase { url in
            let store = try await PostgresStore(url: url)
            let t0 = Timestamp(Date(timeIntervalSince1970: 1_000_000))
            let subject = "entitlements/e-1"
            #expect(try await store.acquireSubject(subject, holder: "a", until: t0.adding(seconds: 30), now: t0))
            #expect(
                try await store.acquireSubject(
                    subject,
                    holder: "b",
                    until: t0.adding(seconds: 40),
                    now: t0.adding(seconds: 10)
                ) == false
            )
            #expect(
                try await store.acquireSubject("entitlements/e-2", holder: "b", until: t0.adding(seconds: 30), now: t0)
            )
            // Renewed by its holder: b still waits past the first lease's end.
            #expect(
                try await store.acquireSubject(
                    subject,
                    holder: "a",
                    until: t0.adding(seconds: 60),
                    now: t0.adding(seconds: 20)
                )
            )
            #expect(
                try await store.acquireSubject(
                    subject,
                    holder: "b",
                    until: t0.adding(seconds: 70),
                    now: t0.adding(seconds: 40)
                ) == false
            )
            try await store.releaseSubject(subject, holder: "b")
            #expect(
                try await store.acquireSubject(
                    subject,
                    holder: "b",
                    until: t0.adding(seconds: 70),
                    now: t0.adding(seconds: 41)
                ) == false
            )
            try await store.releaseSubject(subject, holder: "a")
            #expect(
                try await store.acquireSubject(
                    subject,
                    holder: "b",
                    until: t0.adding(seconds: 70),
                    now: t0.adding(seconds: 42)
                )
            )
            // b dies holding it: a takes over once it has run out, not before.
            #expect(
                try await store.acquireSubject(
                    subject,
                    holder: "a",
                    until: t0.adding(seconds: 99),
                    now: t0.adding(seconds: 69)
                ) == false
            )
            #expect(
                try await store.acquireSubject(
                    subject,
                    holder: "a",
                    until: t0.adding(seconds: 99),
                    now: t0.adding(seconds: 70)
                )
            )
            await store.close()
        }
    }

    @Test(
        "leader election: exactly one of three stores on one database leads; when it goes, another takes over within seconds"
    )
    func leaderElection() async throws {
        try await TestPostgres.withDatabase { url in
            var stores: [PostgresStore] = []
            for _ in 0..<3 { stores.append(try await PostgresStore(url: url)) }
            let elections = stores.enumerated().map { $0.element.leaderElection(replica: "replica-\($0.offset)") }
            let runs = elections.map { election in Task { try await election.run() } }
            func leaders() -> [String] { elections.filter(\.isLeader).map(\.replica) }
            func waitForOneLeader(excluding gone: Set<String>) async throws -> String {
                let one = try await eventually(within: .seconds(10), every: .milliseconds(50)) { () -> String? in
                    let now = leaders().filter { !gone.contains($0) }
                    return now.count == 1 ? now[0] : nil
                }
                if let one { return one }
                Issue.record("no single leader within 10 s: \(leaders())")
                throw CancellationError()
            }
            let first = try await waitForOneLeader(excluding: [])
            #expect(try await stores[0].leader()?.replica == first)
            // Never two at once while it leads.
            for _ in 0..<20 {
                #expect(leaders() == [first])
                try await Task.sleep(for: .milliseconds(50))
            }
            let index = elections.firstIndex { $0.replica == first }!
            let lost = ContinuousClock.now
            runs[index].cancel()
            _ = await runs[index].result
            await stores[index].close()
            let second = try await waitForOneLeader(excluding: [first])
            let takeover = ContinuousClock.now - lost
            #expect(second != first && takeover < .seconds(5), "took \(takeover)")
            // Asked of a store still open (the first leader's is closed).
            let heartbeat = try await stores[(index + 1) % stores.count].leader()
            #expect(heartbeat?.replica == second)
            for (offset, run) in runs.enumerated() where offset != index {
                run.cancel()
                _ = await run.result
                await stores[offset].close()
            }
        }
    }

    @Test("store URLs: host and port, sslmode (required off loopback), a Cloud SQL socket directory two ways, errors")
    func urls() throws {
        let tcp = try PostgresSettings(
            url: "postgres://entitle:s%40cret@db.internal:6432/entitle?sslmode=disable&pool_size=5"
        )
        #expect(
            tcp.client.host == "db.internal" && tcp.client.port == 6432 && tcp.client.username == "entitle"
                && tcp.client.password == "s@cret"
        )
        #expect(tcp.database == "entitle" && tcp.client.options.maximumConnections == 5 && tcp.sslMode == "disable")
        // TLS is required off loopback unless the URL says otherwise; on loopback it is preferred.
        #expect(try PostgresSettings(url: "postgres://u@db.internal/entitle").sslMode == "require")
        #expect(try PostgresSettings(url: "postgres://u@10.0.0.7:5432/entitle").sslMode == "require")
        #expect(try PostgresSettings(url: "postgres://u@db.internal/entitle?sslmode=prefer").sslMode == "prefer")
        #expect(try PostgresSettings(url: "postgres://u@127.0.0.1/entitle").sslMode == "prefer")
        #expect(try PostgresSettings(url: "postgres://u@localhost/entitle").sslMode == "prefer")
        let socket = try PostgresSettings(url: "postgres://entitle:pw@/entitle?host=/cloudsql/proj:europe-west1:db")
        #expect(socket.client.unixSocketPath == "/cloudsql/proj:europe-west1:db/.s.PGSQL.5432")
        let encoded = try PostgresSettings(url: "postgresql://entitle@%2Fcloudsql%2Fproj%3Aeu%3Adb/entitle")
        #expect(encoded.client.unixSocketPath == "/cloudsql/proj:eu:db/.s.PGSQL.5432")
        for bad in [
            "postgres://db/", "postgres://u@db/x?sslmode=sometimes", "postgres://u@db/x?poolsize=3",
            "postgres://u@db/x?pool_size=0",
        ] {
            #expect(throws: PostgresSettings.Invalid.self, "\(bad)") { try PostgresSettings(url: bad) }
        }
    }
}
