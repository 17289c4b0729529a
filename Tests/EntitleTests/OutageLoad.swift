import EntitleStore
import EntitleTestSupport
import Foundation
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// The steady load of the outage tests, against one `entitle serve`: readiness and liveness
/// probes every 100 ms, a buyer purchasing every 600 ms (half of them upgraded afterwards), and the
/// app posting a batch of usage every 500 ms, each sent again after a 503 or no answer, as a
/// client would. It records what each probe and request saw, and sums up an outage from it.
final class OutageLoad: Sendable {
    /// What one probe or request saw: when it was sent, its status (nil: no answer), how long it took.
    struct Observation: Sendable {
        var at: ContinuousClock.Instant
        var status: Int?
        var took: Duration
        var retryAfter: String?
    }

    actor Observations {
        var readiness: [Observation] = []
        var liveness: [Observation] = []
        var usage: [Observation] = []
        var stopped = false
        func add(readiness observation: Observation) { readiness.append(observation) }
        func add(liveness observation: Observation) { liveness.append(observation) }
        func add(usage observation: Observation) { usage.append(observation) }
        func stop() { stopped = true }
    }

    /// What the probes and the app saw of one outage, from its start (`down`) and end (`up`).
    struct Figures: CustomStringConvertible {
        var firstRefusal: Duration?
        var recovered: Duration?
        var slowestProbe: Duration
        var livenessFailures: Int
        var requests: Int
        var refused: [Observation]
        var slowest: Duration

        var description: String {
            "first /readyz 503 \(firstRefusal.map { "\($0)" } ?? "never") after the fault, 200 again "
                + "\(recovered.map { "\($0)" } ?? "-") after its end; slowest probe \(slowestProbe); "
                + "\(requests) usage requests, \(refused.count) refused, slowest \(slowest)"
        }

        /// The acceptance of every outage: 503 within 2 s, 200 within 10 s, probes within about a
        /// second, liveness untouched, refusals 503 with Retry-After, no request past `bound`.
        func expectHandled(within bound: Duration) {
            #expect(firstRefusal.map { $0 <= .seconds(2) } == true, "/readyz 503 within 2 s of the fault: \(self)")
            #expect(recovered.map { $0 <= .seconds(10) } == true, "/readyz 200 within 10 s of its end: \(self)")
            #expect(slowestProbe < .milliseconds(1_500), "/readyz answers within about a second: \(slowestProbe)")
            #expect(livenessFailures == 0, "/healthz stays 200")
            #expect(!refused.isEmpty, "the outage was felt by the app")
            #expect(
                refused.allSatisfy { $0.status == 503 && $0.retryAfter != nil },
                "every refusal is 503 with Retry-After"
            )
            #expect(slowest <= bound + .milliseconds(1_500), "no usage request waits past the bound: \(slowest)")
        }
    }

    let seen = Observations()
    private let probes: Task<Void, Never>
    private let buyers: Task<Void, any Error>
    private let poster: Task<UsageRecordGenerator, any Error>

    init(
        running: RunningEmulator,
        admin: JSONHTTPClient,
        usageKey: String,
        metered: [LocalEntitlement],
        waitForActive: @escaping @Sendable ([EntitlementID]) async throws -> Void
    ) {
        let seen = seen
        probes = Task {
            var next = 0
            while await !seen.stopped {
                let (ready, _) = await Self.observe { try await admin.anonymous.get("readyz") }
                await seen.add(readiness: ready)
                if next % 5 == 0 {
                    let (live, _) = await Self.observe { try await admin.anonymous.get("healthz") }
                    await seen.add(liveness: live)
                }
                next += 1
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
        buyers = Task {
            var ids: [EntitlementID] = []
            for index in 0..<50 {
                let purchase = try await running.control.buy(
                    product: "example-messaging-service",
                    plan: "basic",
                    account: "O-\(index)"
                )
                ids.append(try EntitlementID(purchase.entitlementId))
                try await Task.sleep(for: .milliseconds(600))
            }
            try await waitForActive(ids)
            for id in ids.prefix(25) { try await running.control.changePlan(id.rawValue, to: "standard") }
        }
        let usage = JSONHTTPClient(baseURL: admin.baseURL, headers: ["Authorization": "Bearer \(usageKey)"])
        let service = "example-messaging-service.gcpmarketplace.example.com"
        poster = Task {
            var generator = UsageRecordGenerator(entitlements: metered, service: service, seed: 29, keyPrefix: "o")
            for batch in 0..<60 {
                let records = generator.batch(batch, size: 50)
                let body = ["records": JSONValue.array(records.map { .object($0) })]
                while true {
                    let (observation, reply) = await Self.observe { try await usage.post("v1/usage", body) }
                    await seen.add(usage: observation)
                    if reply?.status == 202 { break }
                    guard reply == nil || reply?.status == 503 else {
                        throw ChildProcessError(message: "usage refused: \(reply.map(\.description) ?? "-")")
                    }
                    try await Task.sleep(for: .milliseconds(500))
                }
                generator.sent(records)
                try await Task.sleep(for: .milliseconds(500))
            }
            return generator
        }
    }

    /// Waits for the buyers and the app to finish, then stops the probes; the usage accepted.
    func finish() async throws -> UsageRecordGenerator {
        try await buyers.value
        let generator = try await poster.value
        try await Task.sleep(for: .seconds(2))
        await seen.stop()
        await probes.value
        return generator
    }

    func figures(down: ContinuousClock.Instant, up: ContinuousClock.Instant) async -> Figures {
        let readiness = await seen.readiness
        let requests = await seen.usage
        return Figures(
            firstRefusal: readiness.first { $0.at >= down && $0.status == 503 }.map { $0.at + $0.took - down },
            recovered: readiness.last { $0.status != 200 }.map { $0.at + $0.took - up },
            slowestProbe: readiness.map(\.took).max() ?? .zero,
            livenessFailures: await seen.liveness.filter { $0.status != 200 }.count,
            requests: requests.count,
            refused: requests.filter { $0.status != 202 },
            slowest: requests.map(\.took).max() ?? .zero
        )
    }

    /// Sends one request and records what came back and when.
    static func observe(_ send: () async throws -> HTTPReply) async -> (Observation, HTTPReply?) {
        let started = ContinuousClock.now
        let reply = try? await send()
        let observation = Observation(
            at: started,
            status: reply?.status,
            took: ContinuousClock.now - started,
            retryAfter: reply?.headers["retry-after"]
        )
        return (observation, reply)
    }
}
