import Entitle
import EntitleStore
import EntitleTestSupport
import Foundation
import GoogleCloud
import Hummingbird
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// `signupMode: redirect`: the vendor's own page (a test HTTP server) gets the
/// buyer with a code, completes the sign-up through Entitle's API under its own customer id, and
/// the order becomes ACTIVE as with the hosted form.
extension HandoffTests {
    /// Where the vendor's page finds Entitle (known only once it listens).
    actor EntitleLocation {
        var url: URL?
        func set(_ url: URL) { self.url = url }
    }

    /// What Entitle answered the vendor's page.
    actor Answers {
        var notes: [(status: Int, body: Data)] = []
        func note(_ status: Int, _ body: Data) { notes.append((status, body)) }
    }

    struct Pending: Decodable {
        struct User: Decodable { var identity: String? }
        var account: Handoff.Account
        var user: User
        struct Order: Decodable {
            var id: String
            var entitlementId: String?
        }
        var orders: [Order]
    }

    struct Proposed: Decodable {
        var continueURL: String
        var user: Pending.User?
        var orders: [Pending.Order]?
    }

    @Test(
        "redirect mode: the vendor's page asks, the browser from Marketplace links; another browser links nothing"
    )
    func redirectSignup() async throws {
        let location = EntitleLocation()
        let completions = Answers()
        let router = Router()
        // The vendor's page, as docs/integrating.md describes it: show what is linked, ask, send the browser on.
        router.get("vendor/signup") { request, _ in
            let code = request.uri.queryParameters.get("code") ?? ""
            guard let entitle = await location.url else { return Response(status: .serviceUnavailable) }
            let shop = JSONHTTPClient(baseURL: entitle, headers: ["Authorization": "Bearer \(Self.shopKey)"])
            let pending = try await shop.get("v1/signups/\(code)")
            await completions.note(pending.status, pending.body)
            guard pending.status == 200 else { return Response(status: .init(code: pending.status)) }
            let reply = try await shop.post(
                "v1/signups/\(code)/complete",
                ["customerId": "vendor-customer-42", "company": "Example Ltd", "email": "ada@example.com"]
            )
            await completions.note(reply.status, reply.body)
            guard reply.status == 202, let next = try? JSONDecoder().decode(Proposed.self, from: reply.body) else {
                return Response(status: .init(code: reply.status))
            }
            return Response(status: .seeOther, headers: [.location: next.continueURL])
        }
        try await LoopbackServer.run(router, label: "test.vendor") { vendor in
            try await Self.withSignupDeployment { configuration in
                configuration.signupMode = "redirect"
                configuration.signupURL = vendor.appendingPathComponent("vendor/signup").absoluteString
                configuration.appURL = "https://app.example.com/welcome"
                configuration.usageAPIKeys = ["shop": AppAccess(Self.shopKey), "billing": AppAccess(Self.billingKey)]
                configuration.signupApp = "shop"
            } _: { running, entitle, _ in
                await location.set(entitle.baseURL)
                let site = JSONHTTPClient(baseURL: entitle.baseURL)
                func arrive(_ purchase: EmulatorPurchase, _ browser: SignupBrowser) async throws -> URL {
                    let reply = try await browser.arrive(token: purchase.signupToken)
                    #expect(reply.status == 303 && reply.cookies["entitle_browser"] != nil, "\(reply)")
                    return try #require(reply.location)
                }
                func code(_ url: URL) throws -> String {
                    try #require(URLComponents(url: url, resolvingAgainstBaseURL: false)?.queryItems?.first?.value)
                }
                let purchase = try await Self.buyBasic(running)
                let account = try AccountID(purchase.accountId)
                let browser = SignupBrowser(site)
                let page = try await arrive(purchase, browser)
                #expect(page.path == "/vendor/signup", "sent to the vendor's page: \(page)")
                let signupCode = try code(page)
                let id = try EntitlementID(purchase.entitlementId)
                #expect(try await entitle.procurement.account(account).approvals?.first?.state == .pending)

                // Another app's key, and an unknown field, before the vendor's page acts.
                let billing = entitle.client(bearer: Self.billingKey)
                #expect(try await billing.get("v1/signups/\(signupCode)").status == 404)
                let foreign = try await billing.post("v1/signups/\(signupCode)/complete", ["customerId": "x"])
                #expect(foreign.status == 404, "\(foreign)")
                let shop = entitle.client(bearer: Self.shopKey)
                let unknownField = try await shop.post(
                    "v1/signups/\(signupCode)/complete",
                    ["customerId": "x", "plan": "gold"]
                )
                #expect(unknownField.status == 400 && unknownField.text.contains("plan"), "\(unknownField)")
                let noCustomer = try await shop.post("v1/signups/\(signupCode)/complete", ["company": "x"])
                #expect(noCustomer.status == 400, "\(noCustomer)")

                // The vendor's page (the buyer logged in there) reads what it links and asks for it.
                let landed = try await JSONHTTPClient(baseURL: page).send("GET", page.absoluteString)
                #expect(landed.status == 303, "\(landed)")
                let notes = await completions.notes
                let pending = try JSONDecoder().decode(Pending.self, from: try #require(notes.first).body)
                #expect(pending.account.id == purchase.accountId && !pending.account.signedUp)
                #expect(pending.orders.map(\.entitlementId) == [purchase.entitlementId], "\(pending.orders)")
                #expect(pending.user.identity == "user-\(purchase.accountId)" && notes.last?.status == 202)
                let continueURL = try #require(landed.location)
                let proposal = try JSONDecoder().decode(Proposed.self, from: try #require(notes.last).body)
                #expect(proposal.user?.identity == "user-\(purchase.accountId)", "the completion names the person")
                #expect(proposal.orders?.map(\.entitlementId) == [purchase.entitlementId])

                // Opened in another browser (a victim's, say), the link does nothing.
                let elsewhere = try await SignupBrowser(site).send("GET", continueURL.absoluteString)
                #expect(elsewhere.status == 403 && elsewhere.text.contains("browser"), "\(elsewhere)")
                #expect(try await entitle.store.customer(forAccount: account) == nil, "nothing linked")
                #expect(try await entitle.procurement.account(account).approvals?.first?.state == .pending)

                // The browser that came from Marketplace finishes it, and goes on to the app.
                let finished = try await browser.send("GET", continueURL.absoluteString)
                #expect(finished.status == 303 && finished.location?.host == "app.example.com", "\(finished)")
                _ = try await eventually(within: .seconds(20), every: .milliseconds(100)) {
                    try await entitle.store.entitlement(id)?.state == .active
                }
                let shown = try await shop.get("v1/entitlements/\(purchase.entitlementId)")
                #expect(
                    shown.text.contains("ENTITLEMENT_ACTIVE") && shown.text.contains("\"inService\":true"),
                    "\(shown)"
                )
                #expect(try await entitle.procurement.entitlement(id).state == .active, "Google agrees")
                #expect(try await entitle.procurement.account(account).approvals?.first?.state == .approved)
                #expect(try await entitle.store.customer(forAccount: account)?.id == "vendor-customer-42")
                let again = try await browser.send("GET", continueURL.absoluteString)
                #expect(again.status == 303, "opened again after it worked: on to the app \(again)")

                let reused = try await shop.post(
                    "v1/signups/\(signupCode)/complete",
                    ["customerId": "vendor-customer-42"]
                )
                #expect(reused.status == 410, "\(reused)")

                // A second account of the same customer links to it.
                let other = try await running.control.buy(
                    product: "example-messaging-service",
                    plan: "basic",
                    account: "second-account"
                )
                let freshBrowser = SignupBrowser(site)
                let fresh = try code(try await arrive(other, freshBrowser))
                let proposed = try await shop.post("v1/signups/\(fresh)/complete", ["customerId": "vendor-customer-42"])
                let next = try JSONDecoder().decode(Proposed.self, from: proposed.body)
                #expect(proposed.status == 202, "\(proposed)")
                #expect(try await freshBrowser.send("GET", next.continueURL).status == 303)
                #expect(try await entitle.store.accounts(ofCustomer: "vendor-customer-42").count == 2)
            }
        }
    }

    @Test("redirect mode: a sign-up left unused expires; its code and continue link are refused then")
    func redirectExpiry() async throws {
        try await Self.withSignupDeployment { configuration in
            configuration.signupMode = "redirect"
            configuration.signupURL = "https://vendor.example.com/signup"
            configuration.usageAPIKeys = ["shop": AppAccess(Self.shopKey)]
            configuration.signupSessionSeconds = 2
        } _: { running, entitle, _ in
            let browser = SignupBrowser(JSONHTTPClient(baseURL: entitle.baseURL))
            let purchase = try await Self.buyBasic(running)
            let page = try #require(try await browser.arrive(token: purchase.signupToken).location)
            let code = try #require(URLComponents(url: page, resolvingAgainstBaseURL: false)?.queryItems?.first?.value)
            let shop = entitle.client(bearer: Self.shopKey)
            let proposed = try await shop.post("v1/signups/\(code)/complete", ["customerId": "late-customer"])
            let next = try JSONDecoder().decode(Proposed.self, from: proposed.body)
            try await Task.sleep(for: .seconds(2.5))
            let expired = try await shop.get("v1/signups/\(code)")
            #expect(expired.status == 410 && expired.text.contains("expired"), "\(expired)")
            let late = try await browser.send("GET", next.continueURL)
            #expect(late.status == 410, "\(late)")
            #expect(try await entitle.store.customer(forAccount: try AccountID(purchase.accountId)) == nil)
        }
    }
}
