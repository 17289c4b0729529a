import EntitleTestSupport
import Foundation
import GoogleCloud
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// Retries against the emulator's injected faults, and the retry schedule as plain values.
@Suite(.paced) struct RetryTests {
    @Test(
        "with 30% injected 503s on every API (token endpoint included), 200 calls all succeed; without retries some fail"
    )
    func transientFaults() async throws {
        try await EmulatorHarness.withEmulator { running in
            let clients = try await EmulatorClients(running)
            var purchases: [EmulatorClients.Purchase] = []
            for index in 0..<20 { purchases.append(try await clients.buy(account: "E-\(index)")) }
            try await clients.setFaults(FaultPlan(seed: 7, rules: [.init(api: .all, errorRate: 0.3, status: 503)]))
            let client = clients.procurement
            for (index, purchase) in purchases.enumerated() {
                try await client.approveAccount(purchase.account)
                _ = try await client.setMessageToUser(purchase.entitlement, "Welcome")
                try await client.approveEntitlement(purchase.entitlement)
                for _ in 0..<4 { #expect(try await client.entitlement(purchase.entitlement).state == .active) }
                _ = try await client.listAccounts(pageSize: 5)
                _ = try await client.account(purchase.account)
                if index.isMultiple(of: 2) {
                    await clients.credentials.invalidate(try #require(await clients.credentials.accessToken()))
                }
                _ = try await client.listEntitlements(filter: .account(purchase.account))
            }
            let fragile = ProcurementClient(
                provider: client.provider,
                baseURL: client.baseURL,
                transport: GoogleAPITransport(credentials: clients.credentials, retryPolicy: .none)
            )
            var failures = 0
            for purchase in purchases {
                do { _ = try await fragile.entitlement(purchase.entitlement) } catch let error
                    as GoogleCloud.GoogleAPIError
                {
                    #expect(error.httpStatus == 503 && error.status == "UNAVAILABLE")
                    failures += 1
                }
            }
            #expect(failures > 0, "the faults are real")
        }
    }

    @Test(
        "a call cancelled while Google is slow ends at once with CancellationError, not after the answer and not retried"
    )
    func cancelledWhileWaiting() async throws {
        try await EmulatorHarness.withEmulator { running in
            let clients = try await EmulatorClients(running)
            let purchase = try await clients.buy()
            _ = try await clients.credentials.accessToken()
            try await clients.setFaults(FaultPlan(rules: [.init(api: .procurement, latencyMilliseconds: 5000)]))
            let start = ContinuousClock.now
            let read = Task { try await clients.procurement.entitlement(purchase.entitlement) }
            try await Task.sleep(for: .milliseconds(300))
            read.cancel()
            await #expect(throws: CancellationError.self) { try await read.value }
            #expect(ContinuousClock.now - start < .seconds(3), "\(ContinuousClock.now - start)")
        }
    }

    @Test("a 429 with Retry-After is waited out, not retried at the policy's few milliseconds")
    func retryAfterHonoured() async throws {
        try await EmulatorHarness.withEmulator { running in
            let clients = try await EmulatorClients(running)
            let purchase = try await clients.buy()
            _ = try await clients.credentials.accessToken()
            try await clients.setFaults(
                FaultPlan(rules: [.init(api: .procurement, errorRate: 1, status: 429, retryAfterSeconds: 1)])
            )
            let start = ContinuousClock.now
            async let read = clients.procurement.entitlement(purchase.entitlement)
            try await Task.sleep(for: .milliseconds(300))
            try await clients.setFaults(FaultPlan())
            #expect(try await read.state == .activationRequested)
            #expect(ContinuousClock.now - start >= .seconds(1))
        }
    }

    @Test("a Retry-After longer than the policy's total time ends the call at once with the typed 429")
    func retryAfterBeyondBudget() async throws {
        try await EmulatorHarness.withEmulator { running in
            let clients = try await EmulatorClients(running)
            let purchase = try await clients.buy()
            _ = try await clients.credentials.accessToken()
            try await clients.setFaults(
                FaultPlan(rules: [.init(api: .procurement, errorRate: 1, status: 429, retryAfterSeconds: 3600)])
            )
            let start = ContinuousClock.now
            let error = await #expect(throws: GoogleCloud.GoogleAPIError.self) {
                try await clients.procurement.entitlement(purchase.entitlement)
            }
            #expect(error?.httpStatus == 429 && error?.status == "RESOURCE_EXHAUSTED")
            #expect(ContinuousClock.now - start < .seconds(5))
        }
    }

    @Test(
        "an answer longer than the transport reads ends the call with responseTooLarge, sent once (not retried), and shorter answers still arrive"
    )
    func responseTooLarge() async throws {
        try await EmulatorHarness.withEmulator { running in
            let clients = try await EmulatorClients(running)
            var purchases: [EmulatorClients.Purchase] = []
            for index in 0..<30 { purchases.append(try await clients.buy(account: "E-LARGE-\(index % 3)")) }
            var transport = clients.transport
            transport.maxResponseBytes = 4096
            let client = ProcurementClient(
                provider: running.emulator.options.provider,
                baseURL: running.baseURL,
                transport: transport
            )
            let one = try await client.entitlement(purchases[0].entitlement)
            #expect(one.id == purchases[0].entitlement, "an answer under the limit")
            try await running.control.resetRequestCounts()
            let error = await #expect(throws: GoogleTransportError.self) {
                try await client.listEntitlements(pageSize: 60)
            }
            guard case .responseTooLarge(let limit) = error else {
                Issue.record("expected responseTooLarge, got \(String(describing: error))")
                return
            }
            #expect(limit == 4096)
            let requests = try await running.control.requestCounts()
            #expect(requests["procurement.entitlements.list"] == 1, "the same answer would come again: \(requests)")
            let whole = try await clients.procurement.listEntitlements(pageSize: 60)
            #expect(whole.entitlements?.count == 30, "the default limit reads it")
        }
    }

    @Test("backoff grows by the multiplier from the initial wait, jittered within its upper half, capped")
    func schedule() {
        let policy = RetryPolicy(
            maxAttempts: 10,
            initialBackoff: .milliseconds(100),
            maxBackoff: .seconds(1),
            totalTimeout: .seconds(60)
        )
        var random = SeededRandom(seed: 3)
        for attempt in 1...9 {
            let ceiling = min(1.0, 0.1 * pow(2, Double(attempt - 1)))
            for _ in 0..<50 {
                let wait = policy.delay(afterAttempt: attempt, elapsed: .zero, using: &random)!
                #expect(wait >= .seconds(ceiling / 2) && wait <= .seconds(ceiling), "attempt \(attempt): \(wait)")
            }
        }
        #expect(policy.delay(afterAttempt: 10, elapsed: .zero, using: &random) == nil, "out of attempts")
        #expect(policy.delay(afterAttempt: 3, elapsed: .seconds(59.9), using: &random) == nil, "out of time")
        #expect(policy.delay(afterAttempt: 1, elapsed: .zero, retryAfter: .seconds(7), using: &random) == .seconds(7))
        #expect(RetryPolicy.none.delay(afterAttempt: 1, elapsed: .zero, using: &random) == nil)
    }

    @Test(
        "Retry-After reads as delta-seconds or an HTTP date",
        arguments: [
            ("120", 120.0), ("0", 0.0), ("Wed, 21 Oct 2015 07:28:30 GMT", 30.0), ("soon", -1.0), ("-5", -1.0),
        ]
    )
    func retryAfterHeader(text: String, seconds: Double) {
        let now = Date(timeIntervalSince1970: 1_445_412_480)  // 2015-10-21T07:28:00Z
        let parsed = RetryPolicy.retryAfter(text, now: now)
        #expect(parsed == (seconds < 0 ? nil : .seconds(seconds)))
    }
}
