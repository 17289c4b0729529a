import EntitleStore
import EntitleTestSupport
import Foundation
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// Google away: every API of the emulator answering 503 for five minutes of its clock, while a
/// buyer purchases and signs up and the app records usage.
extension SeparateProcessTests {
    /// What each path does meanwhile: the purchase's notification waits in Pub/Sub (pulls fail and
    /// are retried), the sign-up page asks the buyer to come back (503, `Retry-After`), usage is
    /// accepted (the store is up) and its reports wait; Entitle stays ready, since Google failing
    /// for a while is no reason to leave the load balancer. Afterwards everything completes.
    @Test("Google away for five minutes of its clock: a purchase, a sign-up and usage wait it out, nothing lost")
    func googleOutage() async throws {
        try await withOutageSetup(store: nil) { setup, receiver in
            try await googleOutage(setup, receiver: receiver)
        }
    }

    private func googleOutage(_ setup: Setup, receiver: HTTPReceiver) async throws {
        let running = setup.running
        let (child, admin) = try await serve(setup, run: 1)
        let metered = try await meteredPurchases(running, admin, count: 3, accountPrefix: "G")
        let usage = JSONHTTPClient(baseURL: admin.baseURL, headers: ["Authorization": "Bearer \(Self.outageUsageKey)"])
        let service = "example-messaging-service.gcpmarketplace.example.com"
        var generator = UsageRecordGenerator(entitlements: metered, service: service, seed: 31, keyPrefix: "g")
        @Sendable func post(_ records: [[String: JSONValue]]) async throws -> Int {
            try await usage.post("v1/usage", ["records": JSONValue.array(records.map { .object($0) })]).status
        }
        let before = generator.batch(0, size: 50)
        #expect(try await post(before) == 202)
        generator.sent(before)

        let downWall = Timestamp(Date())
        let unavailable = FaultPlan.Rule(api: .all, errorRate: 1, status: 503, retryAfterSeconds: 10)
        try await running.control.setFaults(FaultPlan(rules: [unavailable]))
        let purchase = try await running.control.buy(
            product: "example-messaging-service",
            plan: "basic",
            account: "G-new"
        )
        // The buyer arrives (the token is checked against keys Entitle already has) and sends the
        // form, whose account approval needs Procurement: the form comes back, asking to try again.
        let buyer = SignupBrowser(admin)
        let token = try await running.control.signupToken(account: "G-new").token
        let form = try await buyer.arrive(token: token)
        let fields = [
            ("session", SignupDriver.hidden("session", in: form.text) ?? ""),
            ("csrf", SignupDriver.hidden("csrf", in: form.text) ?? ""), ("company", "Example Ltd"),
            ("contactName", "Ada Lovelace"), ("email", "ada@example.com"),
        ]
        let sent = ContinuousClock.now
        let refused = try await buyer.send("POST", "signup/complete", form: fields)
        let waited = ContinuousClock.now - sent
        #expect(waited < .seconds(10), "the buyer waits seconds, not Google's minutes: \(waited)")
        #expect(refused.status == 503 && refused.headers["retry-after"] != nil, "sign-up: \(refused.status)")
        #expect(refused.text.contains("Nothing is lost") && refused.text.contains("Example Ltd"), "the form, filled in")
        let during = generator.batch(1, size: 50)
        #expect(try await post(during) == 202, "usage is accepted while Google is away")
        generator.sent(during)
        // Five minutes of Google's clock, in steps, while Entitle keeps trying in real time.
        var readiness: [Int] = []
        for _ in 0..<10 {
            _ = try await running.control.advanceClock(seconds: 30)
            try await Task.sleep(for: .milliseconds(1_500))
            readiness.append(try await admin.anonymous.get("readyz").status)
        }
        #expect(readiness.allSatisfy { $0 == 200 }, "Entitle stays ready while Google fails: \(readiness)")
        let waiting = try await admin.get("api/admin/usage?limit=10000").decode(UsageView.self)
        #expect(
            !waiting.unsealed.isEmpty || waiting.operations.contains { $0.status != .reported },
            "usage waits to be reported"
        )
        let pending = try await stored(admin)[try EntitlementID(purchase.entitlementId)]
        #expect(pending?.state != .active, "the purchase waits: \(String(describing: pending?.state))")

        // SIGTERM while Google is away: the process ends within its bound, and a new one carries on.
        let terminated = ContinuousClock.now
        let status = try await child.stop(grace: .seconds(15))
        let exited = ContinuousClock.now - terminated
        #expect(exited <= .seconds(11), "SIGTERM while Google is away exits within its bound: \(exited)")
        // On the same port: the buyer's browser, the app and the probes keep their address.
        var sameAddress = setup
        sameAddress.environment["ENTITLE_HTTP_PORT"] = "\(admin.baseURL.port ?? 0)"
        let (next, _) = try await serve(sameAddress, run: 2)

        try await running.control.setFaults(FaultPlan())
        let upWall = Timestamp(Date())
        // The buyer sends the form again, as the page asked.
        let again = try await buyer.send("POST", "signup/complete", form: fields)
        #expect(again.status == 303, "the sign-up completes once Google is back: \(again.status)")
        try await converge(running, admin: admin)
        let active = try await stored(admin)[try EntitlementID(purchase.entitlementId)]
        #expect(active?.state == .active, "the purchase went through once Google was back")
        #expect(try await admin.get("api/admin/accounts/G-new").text.contains("Example Ltd"), "the buyer signed up")
        let (callbacks, deliveries) = try await expectNothingLost(
            running,
            admin: admin,
            receiver: receiver,
            accepted: generator,
            outages: [downWall...upWall]
        )
        try await next.stop()
        print(
            "Google away for 5 minutes of its clock (15 s real): readiness \(Set(readiness)), sign-up answered "
                + "in \(waited), SIGTERM exit \(status) after \(exited), "
                + "\(callbacks) callbacks in \(deliveries) deliveries, \(generator.accepted.count) records billed once"
        )
    }
}
