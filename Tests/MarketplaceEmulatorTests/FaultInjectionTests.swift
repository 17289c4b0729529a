import EntitleTestSupport
import Foundation
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// Fault injection: seeded, per API, changeable at runtime, and never a change
/// of state behind an injected error.
@Suite(.paced) struct FaultInjectionTests {
    private func setFaults(_ running: RunningEmulator, _ plan: FaultPlan) async throws {
        let reply = try await running.http.send("PUT", "emulator/v1/faults", body: plan)
        #expect(reply.status == 200, "\(reply)")
    }

    private func statuses(_ running: RunningEmulator, calls: Int) async throws -> [Int] {
        var statuses: [Int] = []
        for _ in 0..<calls { statuses.append(try await running.http.get(running.entitlements).status) }
        return statuses
    }

    // MARK: Tests

    @Test(
        "30% 503s on Procurement: about 30% of calls fail in Google's shape, the same ones for the same seed; other APIs untouched"
    )
    func errorRate() async throws {
        let plan = FaultPlan(seed: 42, rules: [.init(api: .procurement, errorRate: 0.3, status: 503)])
        let first = try await EmulatorHarness.withEmulator(testOptions { $0.faults = plan }) { running in
            let statuses = try await statuses(running, calls: 400)
            let failure = try await {
                while true {
                    let reply = try await running.http.get(running.entitlements)
                    if reply.status == 503 { return reply }
                }
            }()
            #expect(failure.googleError?.status == "UNAVAILABLE")
            #expect(
                try await running.http.send("PUT", "v1/projects/p/topics/not-faulted").status == 200,
                "Pub/Sub is not faulted"
            )
            return statuses
        }
        let failures = first.filter { $0 == 503 }.count
        #expect((80...160).contains(failures), "\(failures) of 400")
        #expect(Set(first) == [200, 503])
        let second = try await EmulatorHarness.withEmulator(testOptions { $0.faults = plan }) { running in
            try await statuses(running, calls: 400)
        }
        #expect(first == second, "a seed replays the same faults")
    }

    @Test("a 429 carries Retry-After")
    func retryAfter() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            try await setFaults(
                running,
                FaultPlan(rules: [.init(api: .all, errorRate: 1, status: 429, retryAfterSeconds: 2)])
            )
            let reply = try await running.http.send("GET", running.entitlements)
            #expect(reply.status == 429 && reply.googleError?.status == "RESOURCE_EXHAUSTED")
            #expect(reply.headers["retry-after"] == "2")
        }
    }

    @Test("an injected error leaves the state unchanged: the approve did not happen")
    func noStateChangeOnFault() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            let purchase = try await running.buy()
            try await running.approveSignup(purchase.accountId)
            try await setFaults(running, FaultPlan(rules: [.init(api: .procurement, errorRate: 1, status: 500)]))
            #expect(
                try await running.http.post("\(running.entitlements)/\(purchase.entitlementId):approve").status == 500
            )
            try await setFaults(running, FaultPlan())
            #expect(try await running.entitlement(purchase.entitlementId).state == .activationRequested)
        }
    }

    @Test("a lost response: the approve happened, the caller got a 500")
    func lostResponse() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            let purchase = try await running.buy()
            try await running.approveSignup(purchase.accountId)
            try await setFaults(running, FaultPlan(rules: [.init(api: .procurement, lostResponseRate: 1)]))
            let reply = try await running.http.post("\(running.entitlements)/\(purchase.entitlementId):approve")
            #expect(reply.status == 500 && reply.googleError?.status == "INTERNAL")
            try await setFaults(running, FaultPlan())
            #expect(try await running.entitlement(purchase.entitlementId).state == .active)
        }
    }

    @Test(
        "a rule for one method after N calls: the first N entitlements.get are served, the next fail, other methods of the API are untouched, and the plan shows none left to pass"
    )
    func methodAfter() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            let purchase = try await running.buy()
            let one = "\(running.entitlements)/\(purchase.entitlementId)"
            let rule = FaultPlan.Rule(
                api: .procurement,
                errorRate: 1,
                status: 503,
                method: "entitlements.get",
                after: 2
            )
            try await setFaults(running, FaultPlan(rules: [rule]))
            var statuses: [Int] = []
            for _ in 0..<4 { statuses.append(try await running.http.get(one).status) }
            #expect(statuses == [200, 200, 503, 503])
            #expect(
                try await running.http.get(running.entitlements).status == 200,
                "entitlements.list is another method"
            )
            #expect(try await running.http.get("\(running.accounts)/\(purchase.accountId)").status == 200)
            let plan: FaultPlan = try await running.http.get("emulator/v1/faults").decode()
            #expect(plan.rules.first?.after == 0)
            // The first matching rule applies: a method's listed before the API's wins for that method.
            let general = FaultPlan.Rule(api: .procurement, errorRate: 1, status: 500)
            try await setFaults(
                running,
                FaultPlan(rules: [FaultPlan.Rule(api: .procurement, method: "entitlements.get"), general])
            )
            #expect(try await running.http.get(one).status == 200)
            #expect(try await running.http.get(running.entitlements).status == 500)
        }
    }

    @Test("a rule for one API faults only that API's paths (the token endpoints are oauth's); the control API never")
    func rulesPerAPI() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            let calls: [(FaultPlan.API, String, String)] = [
                (.procurement, "GET", running.entitlements), (.pubsub, "GET", "v1/projects/vendor/topics/unknown"),
                (.serviceControl, "POST", "v1/services/unknown.example.com:check"), (.oauth, "POST", "token"),
                (.oauth, "GET", "computeMetadata/v1/instance/service-accounts/default/token"),
            ]
            for api in [FaultPlan.API.procurement, .pubsub, .serviceControl, .oauth] {
                try await setFaults(running, FaultPlan(rules: [.init(api: api, errorRate: 1, status: 429)]))
                for (owner, method, path) in calls {
                    let status = try await running.http.send(method, path, raw: Data("{}".utf8)).status
                    #expect((status == 429) == (owner == api), "\(api) rule, \(method) \(path): \(status)")
                }
                #expect(
                    try await running.http.get("emulator/v1/state").status == 200,
                    "the control API is never faulted"
                )
            }
        }
    }

    @Test("added latency delays the calls of that API")
    func latency() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            try await setFaults(running, FaultPlan(rules: [.init(api: .procurement, latencyMilliseconds: 150)]))
            let started = ContinuousClock.now
            _ = try await running.http.get(running.entitlements)
            #expect(ContinuousClock.now - started >= .milliseconds(150))
        }
    }

    @Test(
        "answer latency: the read is served at once and answered late, showing the state before a change made meanwhile"
    )
    func answerLatency() async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            let purchase = try await running.buy()
            let rule = FaultPlan.Rule(api: .procurement, method: "accounts.get", answerLatencyMilliseconds: 1_000)
            try await setFaults(running, FaultPlan(rules: [rule]))
            let started = ContinuousClock.now
            async let late = running.http.get("\(running.accounts)/\(purchase.accountId)")
            try await Task.sleep(for: .milliseconds(300))
            try await running.approveSignup(purchase.accountId)
            let account: Account = try await late.decode()
            #expect(ContinuousClock.now - started >= .milliseconds(1_000))
            #expect(account.signupApproval?.state == .pending, "what the account was when the call was served")
            try await setFaults(running, FaultPlan())
            let now: Account = try await running.http.get("\(running.accounts)/\(purchase.accountId)").decode()
            #expect(now.signupApproval?.state == .approved)
        }
    }

    @Test("duplicate delivery: every notification arrives twice with the same messageId and eventId")
    func duplicates() async throws {
        try await EmulatorHarness.withEmulator(testOptions { $0.faults = FaultPlan(duplicateRate: 1) }) { running in
            try await running.subscribe()
            _ = try await running.buy()
            let events = try await running.events()
            #expect(events.count == 4)
            #expect(Set(events.map(\.eventID)).count == 2)
        }
    }

    @Test("held notifications arrive after later ones (out of order), and are never lost")
    func outOfOrder() async throws {
        try await EmulatorHarness.withEmulator(testOptions { $0.faults = FaultPlan(holdRate: 1) }) { running in
            try await running.subscribe()
            let purchase = try await running.buy()
            try await running.setHoldRate(0)
            try await running.approveSignup(purchase.accountId)
            _ = try await running.http.post("\(running.entitlements)/\(purchase.entitlementId):approve")
            #expect(
                try await running.eventTypes() == [
                    "ENTITLEMENT_ACTIVE", "ACCOUNT_ACTIVE", "ENTITLEMENT_CREATION_REQUESTED",
                ]
            )
        }
    }

    @Test("a lost ack is answered 200 but the message is delivered again after its deadline")
    func lostAck() async throws {
        try await EmulatorHarness.withEmulator(testOptions { $0.faults = FaultPlan(lostAckRate: 1) }) { running in
            try await running.subscribe()
            _ = try await running.buy()
            let first = try await running.events()
            #expect(first.count == 2)
            try await running.advance("PT11S")
            #expect(try await running.events().map(\.eventID) == first.map(\.eventID))
        }
    }

    @Test(
        "bad fault plans are refused",
        arguments: [
            #"{"rules":[{"api":"procurement","errorRate":1.5}]}"#, #"{"rules":[{"api":"procurement","status":409}]}"#,
            #"{"rules":[{"api":"nope"}]}"#,
            #"{"rules":[{"api":"procurement","after":-1}]}"#, #"{"rules":[{"api":"procurement","method":"get"}]}"#,
        ]
    )
    func badPlans(json: String) async throws {
        try await EmulatorHarness.withEmulator(testOptions()) { running in
            let reply = try await running.http.send("PUT", "emulator/v1/faults", raw: Data(json.utf8))
            #expect(reply.status == 400)
        }
    }
}

extension RunningEmulator {
    func setHoldRate(_ rate: Double) async throws {
        let reply = try await http.send("PUT", "emulator/v1/faults", body: FaultPlan(holdRate: rate))
        #expect(reply.status == 200)
    }
}
