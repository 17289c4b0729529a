import Entitle
import EntitleStore
import EntitleTestSupport
import Foundation
import GoogleCloud
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// `entitle serve` as `EntitleServer.build` assembles it, against the emulator over loopback:
/// purchase, sign-up, approvals by policy and by an administrator, through the admin API.
@Suite(.paced) struct EntitleServerTests {
    static let adminToken = "test-admin-token"

    struct Fixture: Sendable {
        var running: RunningEmulator
        var site: JSONHTTPClient
        var admin: JSONHTTPClient
    }

    struct Detail: Decodable {
        struct Local: Decodable {
            var resource: Entitlement
        }
        struct Entry: Decodable {
            var kind: String
            var summary: String
        }
        var entitlement: Local
        var timeline: [Entry]
    }

    private func withServer(
        policy: EntitlementApprovalPolicy = .afterSignup,
        productPolicies: [String: ApprovalPolicy] = [:],
        configure: @Sendable (inout EntitleConfiguration) -> Void = { _ in },
        _ body: @Sendable (Fixture) async throws -> Void
    ) async throws {
        try await TemporaryDatabase.withPath { path in
            var options = EmulatorOptions()
            options.pullWait = .milliseconds(200)
            try await EmulatorHarness.withEmulator(options) { running in
                var configuration = EntitleConfiguration()
                configuration.httpPort = 0
                configuration.storeURL = path
                configuration.adminToken = Self.adminToken
                configuration.signupAudiences = ["localhost"]
                configuration.entitlementPolicy = policy
                configuration.productPolicies = productPolicies
                configure(&configuration)
                let file = try JSONEncoder().encode(try await running.emulator.serviceAccountKeyFile())
                let google = EntitleServer.Google(
                    endpoints: .emulator(at: running.baseURL),
                    credentials: try ServiceAccountTokenProvider(
                        key: try JSONDecoder().decode(ServiceAccountKey.self, from: file)
                    ),
                    provider: running.emulator.options.provider,
                    subscription: "projects/vendor/subscriptions/entitle",
                    createSubscriptionOn: running.emulator.options.topic
                )
                let built = try await EntitleServer.build(configuration, google: google)
                try await ServiceScope.run(built.services, label: "test.entitle") {
                    let base = URL(string: "http://127.0.0.1:\(await built.listening())/")!
                    let fixture = Fixture(
                        running: running,
                        site: JSONHTTPClient(baseURL: base),
                        admin: JSONHTTPClient(baseURL: base, headers: ["Authorization": "Bearer \(Self.adminToken)"])
                    )
                    try await body(fixture)
                }
            }
        }
    }

    private func buy(_ fixture: Fixture) async throws -> EmulatorPurchase {
        try await fixture.running.control.buy(product: "example-messaging-service", plan: "basic")
    }

    /// The buyer's browser: Marketplace's POST, then the form.
    private func signUp(_ fixture: Fixture, _ purchase: EmulatorPurchase) async throws {
        let form = ["Content-Type": "application/x-www-form-urlencoded"]
        let page = try await fixture.site.send(
            "POST",
            "signup",
            raw: Data("x-gcp-marketplace-token=\(purchase.signupToken)".utf8),
            headers: form
        )
        #expect(page.status == 200, "\(page)")
        func hidden(_ name: String) -> String {
            let range = page.text.range(of: #"name="\#(name)" value=""#)!
            return String(page.text[range.upperBound...].prefix { $0 != "\"" })
        }
        let body =
            "session=\(hidden("session"))&csrf=\(hidden("csrf"))&company=Acme&contactName=Ada&email=ada%40acme.com"
        let done = try await fixture.site.send(
            "POST",
            "signup/complete",
            raw: Data(body.utf8),
            headers: form.merging(["Cookie": "entitle_signup=\(hidden("csrf"))"]) { $1 }
        )
        #expect(done.status == 303, "\(done)")
    }

    private func state(_ fixture: Fixture, _ id: String, becomes expected: EntitlementState) async throws -> Detail? {
        let detail = try await eventually(within: .seconds(15), every: .milliseconds(50)) {
            let reply = try await fixture.admin.get("api/admin/entitlements/\(id)")
            return (try? reply.decode(Detail.self)).flatMap { $0.entitlement.resource.state == expected ? $0 : nil }
        }
        if let detail { return detail }
        Issue.record("\(id) did not become \(expected.rawValue)")
        return nil
    }

    @Test("after-signup policy: the order waits for the sign-up, then is approved and shows as active in the admin API")
    func afterSignup() async throws {
        try await withServer { fixture async throws in
            #expect(try await fixture.site.get("healthz").status == 200)
            #expect(try await fixture.site.get("readyz").status == 200)
            let purchase = try await buy(fixture)
            let waiting = try await state(fixture, purchase.entitlementId, becomes: .activationRequested)
            #expect(waiting?.timeline.contains { $0.summary.contains("waiting") } == true)
            try await signUp(fixture, purchase)
            let active = try await state(fixture, purchase.entitlementId, becomes: .active)
            #expect(active?.timeline.contains { $0.kind == "signup" } == true)
            let outbox = try await fixture.admin.get("api/admin/outbox").text
            #expect(outbox.contains("customer.signed_up") && outbox.contains("entitlement.activated"))
        }
    }

    @Test(
        "manual policy: an administrator approves through the admin API; Google's refusal and a second approval are conflicts"
    )
    func manualApproval() async throws {
        try await withServer(policy: .manual) { fixture in
            let purchase = try await buy(fixture)
            _ = try await state(fixture, purchase.entitlementId, becomes: .activationRequested)
            let early = try await fixture.admin.post("api/admin/entitlements/\(purchase.entitlementId)/approve")
            #expect(
                early.status == 409 && early.text.contains("Google refused"),
                "before sign-up Google refuses: \(early)"
            )
            try await signUp(fixture, purchase)
            _ = try await state(fixture, purchase.entitlementId, becomes: .activationRequested)
            let approved = try await fixture.admin.post("api/admin/entitlements/\(purchase.entitlementId)/approve")
            #expect(approved.status == 200, "\(approved)")
            let active = try await state(fixture, purchase.entitlementId, becomes: .active)
            #expect(active?.timeline.contains { $0.kind == "admin" } == true)
            let again = try await fixture.admin.post("api/admin/entitlements/\(purchase.entitlementId)/approve")
            #expect(again.status == 409, "\(again)")
        }
    }

    @Test(
        "ACCOUNT_DELETED: the customer's personal data is erased, the link and the orders stay, account.deleted is queued once"
    )
    func accountDeleted() async throws {
        try await withServer { fixture async throws in
            struct AccountDetail: Decodable {
                struct Customer: Decodable {
                    var id: String
                    var company: String?
                    var email: String?
                    var erasedAt: Timestamp?
                }
                var customer: Customer?
                var entitlements: [Detail.Local]
            }
            let purchase = try await buy(fixture)
            try await signUp(fixture, purchase)
            _ = try await state(fixture, purchase.entitlementId, becomes: .active)
            let before = try await fixture.admin.get("api/admin/accounts/\(purchase.accountId)").decode(
                AccountDetail.self
            )
            #expect(before.customer?.email == "ada@acme.com")
            try await fixture.running.control.deleteAccount(purchase.accountId)
            var after = before
            _ = try await eventually(within: .seconds(15), every: .milliseconds(50)) {
                after = try await fixture.admin.get("api/admin/accounts/\(purchase.accountId)").decode(
                    AccountDetail.self
                )
                return after.customer?.erasedAt != nil
            }
            #expect(
                after.customer?.id == before.customer?.id && after.customer?.email == nil
                    && after.customer?.company == nil
            )
            #expect(after.customer?.erasedAt != nil && after.entitlements.count == 1, "billing records stay")
            struct Item: Decodable { var kind: String }
            let outbox = try await fixture.admin.get("api/admin/outbox").decode([Item].self)
            #expect(
                outbox.filter { $0.kind == "account.deleted" }.count == 1,
                "one account.deleted callback: \(outbox.map(\.kind))"
            )
        }
    }

    @Test("the admin API needs its token, and answers bad ids and unknown ones clearly")
    func adminAuthorization() async throws {
        try await withServer { fixture async throws in
            #expect(try await fixture.site.get("api/admin/entitlements").status == 401)
            let wrong = JSONHTTPClient(baseURL: fixture.site.baseURL, headers: ["Authorization": "Bearer nope"])
            #expect(try await wrong.get("api/admin/entitlements").status == 401)
            #expect(try await fixture.admin.get("api/admin/entitlements").status == 200)
            #expect(try await fixture.admin.get("api/admin/entitlements/no-such-one").status == 404)
            #expect(try await fixture.admin.post("api/admin/outbox/no-such-one/replay").status == 404)
        }
    }

    @Test(
        "bad bodies change nothing: 10 MB to sign-up and to the admin API are 413, an unknown field or non-JSON in a decision is 400 naming it"
    )
    func badBodies() async throws {
        try await withServer(policy: .manual) { fixture async throws in
            let purchase = try await buy(fixture)
            _ = try await state(fixture, purchase.entitlementId, becomes: .activationRequested)
            let tenMegabytes = Data(repeating: 0x41, count: 10 * 1024 * 1024)
            let reject = "api/admin/entitlements/\(purchase.entitlementId)/reject"
            let huge = try await fixture.admin.send(
                "POST",
                reject,
                raw: tenMegabytes,
                headers: ["Content-Type": "application/json"]
            )
            #expect(huge.status == 413, "\(huge.status)")
            let misspelt = try await fixture.admin.send("POST", reject, raw: Data(#"{"reasn": "fraud"}"#.utf8))
            #expect(misspelt.status == 400 && misspelt.text.contains("reasn"), "\(misspelt)")
            let notJSON = try await fixture.admin.send("POST", reject, raw: Data("reason=fraud".utf8))
            #expect(notJSON.status == 400 && notJSON.text.contains("not a JSON object"), "\(notJSON)")
            let number = try await fixture.admin.send("POST", reject, raw: Data(#"{"reason": 5}"#.utf8))
            #expect(number.status == 400 && number.text.contains("must be a string"), "\(number)")
            let form = ["Content-Type": "application/x-www-form-urlencoded"]
            for path in ["signup", "signup/complete"] {
                let page = try await fixture.site.send("POST", path, raw: tenMegabytes, headers: form)
                #expect(page.status == 413 && page.text.contains("too large"), "\(path): \(page.status)")
            }
            let google = try await fixture.running.procurementClient(try await fixture.running.transport()).entitlement(
                try EntitlementID(purchase.entitlementId)
            )
            #expect(google.state == .activationRequested, "nothing was rejected")
            let detail = try await fixture.admin.get("api/admin/entitlements/\(purchase.entitlementId)").decode(
                Detail.self
            )
            #expect(
                detail.entitlement.resource.state == .activationRequested
                    && !detail.timeline.contains { $0.kind == "admin" }
            )
        }
    }

    @Test("a word to the waiting buyer: the default on a manual order, set and cleared by an admin, gone once decided")
    func messageToUser() async throws {
        let waiting = "We review new orders within one business day."
        try await withServer(policy: .manual) {
            $0.waitingMessage = waiting
        } _: { fixture in
            let purchase = try await buy(fixture)
            try await signUp(fixture, purchase)
            _ = try await state(fixture, purchase.entitlementId, becomes: .activationRequested)
            func atGoogle() async throws -> String? {
                try await fixture.running.control.state().entitlements.first {
                    $0.id?.rawValue == purchase.entitlementId
                }?.messageToUser
            }
            #expect(try await eventually(within: .seconds(10)) { try await atGoogle() == waiting }, "the default")
            let buyerPage = try await fixture.running.http.get("emulator")
            #expect(buyerPage.text.contains("From the provider: \(waiting)"), "shown to the buyer")

            let path = "api/admin/entitlements/\(purchase.entitlementId)/message"
            let set = try await fixture.admin.post(path, ["message": "Almost there: approving today."])
            #expect(set.status == 200, "\(set)")
            #expect(try await atGoogle() == "Almost there: approving today.")
            let tooLong = try await fixture.admin.post(path, ["message": String(repeating: "x", count: 501)])
            #expect(tooLong.status == 422, "\(tooLong)")
            let typo = try await fixture.admin.post(path, ["mesage": "x"])
            #expect(typo.status == 400 && typo.text.contains("mesage"), "\(typo)")
            #expect(try await fixture.admin.post(path, [String: String]()).status == 200, "no message clears")
            #expect(try await atGoogle() == nil, "cleared")

            let approved = try await fixture.admin.post("api/admin/entitlements/\(purchase.entitlementId)/approve")
            #expect(approved.status == 200, "\(approved)")
            _ = try await state(fixture, purchase.entitlementId, becomes: .active)
            let late = try await fixture.admin.post(path, ["message": "too late"])
            #expect(late.status == 409 && late.text.contains("waits on you"), "\(late)")
            let timeline = try await fixture.admin.get("api/admin/entitlements/\(purchase.entitlementId)").decode(
                Detail.self
            ).timeline
            #expect(timeline.contains { $0.summary.contains("message to the buyer set") }, "audited")
        }
    }
}
