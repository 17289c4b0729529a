import Entitle
import EntitleStore
import EntitleTestSupport
import Foundation
import GoogleCloud
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// Replicas on one store and subscription handling the same notification at once: Google refuses
/// the second approval, a subject lease serializes their decisions, and each commit happens once.
extension NotificationFlowTests {
    /// Every Procurement call takes 300 ms: two replicas racing both read before either acts.
    static var slowProcurement: EmulatorOptions {
        var options = EmulatorOptions()
        options.requireSignupBeforeApproval = false
        options.faults = FaultPlan(rules: [.init(api: .procurement, latencyMilliseconds: 300)])
        return options
    }

    @Test(
        "two replicas, one notification at once: both approve, Google refuses one, neither fails, one commit"
    )
    func replicasRace() async throws {
        let options = Self.slowProcurement
        try await TemporaryDatabase.withPath { path in
            try await EmulatorHarness.withEmulator(options) { running in
                let transport = try await running.transport()
                let pubsub = try await running.subscribe(Self.subscription, transport)
                let id = try await buy(running)
                let message = try await pubsub.message("ENTITLEMENT_CREATION_REQUESTED", on: Self.subscription)
                let policies = ApprovalPolicies(default: ApprovalPolicy(entitlement: .automatic))
                // Two replicas: each its own processor (own locks) and connection to one database.
                let replicas = [
                    NotificationProcessor(
                        store: try await SQLiteStore(path: path),
                        procurement: running.procurementClient(transport),
                        policies: policies
                    ),
                    NotificationProcessor(
                        store: try await SQLiteStore(path: path),
                        procurement: running.procurementClient(transport),
                        policies: policies
                    ),
                ]
                async let first = replicas[0].handle(data: message.data, messageID: message.messageId)
                async let second = replicas[1].handle(data: message.data, messageID: message.messageId)
                let outcomes = try await [first, second]
                let counters = replicas.map(\.counters.snapshot)
                #expect(
                    counters.map(\.refusedCalls).reduce(0, +) == 1,
                    "the second approval was refused and taken as done: \(counters)"
                )
                #expect(
                    counters.map(\.processed).reduce(0, +) == 1 && counters.map(\.duplicates).reduce(0, +) == 1,
                    "one commit: \(outcomes)"
                )
                #expect(try await running.procurementClient(transport).entitlement(id).state == .active)
            }
        }
    }

    @Test(
        "two replicas, two notifications of one order at once: the subject lease makes one approval, one callback"
    )
    func replicasShareSubjectLease() async throws {
        let emulatorOptions = Self.slowProcurement
        try await TestPostgres.withDatabase { url in
            try await EmulatorHarness.withEmulator(emulatorOptions) { running in
                let transport = try await running.transport()
                let pubsub = try await running.subscribe(Self.subscription, transport)
                let id = try await buy(running)
                let data = try #require(
                    try await pubsub.message("ENTITLEMENT_CREATION_REQUESTED", on: Self.subscription).data
                )
                // The same news under a second eventId, as Google may send two events at once.
                var other = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
                other["eventId"] = "second-event-about-it"
                let second = try JSONSerialization.data(withJSONObject: other)
                let policies = ApprovalPolicies(default: ApprovalPolicy(entitlement: .automatic))
                let stores = [try await PostgresStore(url: url), try await PostgresStore(url: url)]
                let replicas = stores.enumerated().map { index, store in
                    NotificationProcessor(
                        store: store,
                        procurement: running.procurementClient(transport),
                        policies: policies,
                        replica: "replica-\(index)"
                    )
                }
                async let a = replicas[0].handle(data: data, messageID: "m-1")
                async let b = replicas[1].handle(data: second, messageID: "m-2")
                _ = try await [a, b]
                let counters = replicas.map(\.counters.snapshot)
                let callbacks = try await stores[0].callbacks(status: nil, limit: 100)
                // Each gave its lease back as it committed, or after finding the order approved.
                let now = Timestamp(Date())
                let free = try await stores[0].acquireSubject(
                    "entitlements/\(id.rawValue)",
                    holder: "probe",
                    until: now.adding(seconds: 30),
                    now: now
                )
                for store in stores { await store.close() }
                #expect(free, "no lease is left held")
                #expect(
                    counters.map(\.refusedCalls).reduce(0, +) == 0,
                    "the second found it approved and did not approve again: \(counters)"
                )
                #expect(callbacks.filter { $0.kind == .activated }.count == 1, "\(callbacks.map(\.kind))")
            }
        }
    }

    @Test(
        "PostgreSQL: the lease on an order outlasts its commit while the waiting buyer is told; given back after"
    )
    func leaseHeldWhileTellingBuyer() async throws {
        var slowPatch = EmulatorOptions()
        // The message to the buyer (entitlements.patch) takes 1.5 s: time to look at the lease.
        slowPatch.faults = FaultPlan(rules: [
            .init(api: .procurement, latencyMilliseconds: 1_500, method: "entitlements.patch")
        ])
        let options = slowPatch
        try await TestPostgres.withDatabase { url in
            try await EmulatorHarness.withEmulator(options) { running in
                let transport = try await running.transport()
                let pubsub = try await running.subscribe(Self.subscription, transport)
                let id = try await buy(running)
                let message = try await pubsub.message("ENTITLEMENT_CREATION_REQUESTED", on: Self.subscription)
                let store = try await PostgresStore(url: url)
                let processor = NotificationProcessor(
                    store: store,
                    procurement: running.procurementClient(transport),
                    policies: ApprovalPolicies(default: ApprovalPolicy(entitlement: .manual)),
                    replica: "replica-0",
                    waitingMessage: "We review new orders within a day."
                )
                let handling = Task { try await processor.handle(data: message.data, messageID: message.messageId) }
                func probe() async throws -> Bool {
                    let now = Timestamp(Date())
                    let subject = "entitlements/\(id.rawValue)"
                    let taken = try await store.acquireSubject(
                        subject,
                        holder: "probe",
                        until: now.adding(seconds: 30),
                        now: now
                    )
                    if taken { try await store.releaseSubject(subject, holder: "probe") }
                    return taken
                }
                // Committed (the order is known as waiting), and the message not yet through.
                let committed = try await EntitleTestSupport.eventually(within: .seconds(10)) {
                    try await store.entitlement(id)?.state == .activationRequested
                }
                let heldWhileTelling = try await probe()
                let outcome = try await handling.value
                let freeAfter = try await probe()
                let told = try await running.procurementClient(transport).entitlement(id).messageToUser
                await store.close()
                #expect(committed && !heldWhileTelling, "another replica could decide while the buyer is told")
                #expect(freeAfter, "given back once the buyer was told: \(outcome)")
                #expect(told == "We review new orders within a day.")
            }
        }
    }
}
