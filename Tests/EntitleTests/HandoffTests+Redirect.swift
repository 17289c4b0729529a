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

    @Test(
        "redirect mode: Marketplace's POST sends the buyer to the vendor's page with a code; the page completes the sign-up with its customer id → account approved, entitlement ACTIVE; a reused or expired code, another app's key, an unknown field are refused"
    )
    func redirectSignup() async throws {
        let location = EntitleLocation()
        let completions = Answers()
        let router = Router()
        router.get("vendor/signup") { request, _ in
            let code = request.uri.queryParameters.get("code") ?? ""
            guard let entitle = await location.url else { return Response(status: .serviceUnavailable) }
            let reply = try await JSONHTTPClient(baseURL: entitle, headers: ["Authorization": "Bearer \(Self.shopKey)"])
                .post(
                    "v1/signups/\(code)/complete",
                    ["customerId": "vendor-customer-42", "company": "Example Ltd", "email": "ada@example.com"]
                )
            await completions.note(reply.status, reply.body)
            return Response(status: reply.status == 200 ? .ok : .init(code: reply.status))
        }
        try await LoopbackServer.run(router, label: "test.vendor") { vendor in
            try await Self.withSignupDeployment { configuration in
                configuration.signupMode = "redirect"
                configuration.signupURL = vendor.appendingPathComponent("vendor/signup").absoluteString
                configuration.usageAPIKeys = ["shop": Self.shopKey, "billing": Self.billingKey]
                configuration.signupApp = "shop"
                configuration.signupSessionSeconds = 4
            } _: { running, entitle, _ in
                await location.set(entitle.baseURL)
                let site = JSONHTTPClient(baseURL: entitle.baseURL)
                let headers = ["Content-Type": "application/x-www-form-urlencoded"]
                func arrive(_ purchase: EmulatorPurchase) async throws -> URL {
                    let reply = try await site.send(
                        "POST",
                        "signup",
                        raw: Self.form([("x-gcp-marketplace-token", purchase.signupToken)]),
                        headers: headers
                    )
                    #expect(reply.status == 303, "\(reply)")
                    return try #require(reply.headers["location"].flatMap(URL.init(string:)))
                }
                let purchase = try await Self.buyBasic(running)
                let page = try await arrive(purchase)
                #expect(page.path == "/vendor/signup", "sent to the vendor's page: \(page)")
                let code = try Self.code(page)
                let id = try EntitlementID(purchase.entitlementId)
                #expect(
                    try await entitle.procurement.account(try AccountID(purchase.accountId)).approvals?.first?.state
                        == .pending
                )

                // Another app's key, and an unknown field, before the vendor's page acts.
                let billing = entitle.client(bearer: Self.billingKey)
                let foreign = try await billing.post("v1/signups/\(code)/complete", ["customerId": "x"])
                #expect(foreign.status == 404, "\(foreign)")
                let shop = entitle.client(bearer: Self.shopKey)
                let unknownField = try await shop.post(
                    "v1/signups/\(code)/complete",
                    ["customerId": "x", "plan": "gold"]
                )
                #expect(unknownField.status == 400 && unknownField.text.contains("plan"), "\(unknownField)")
                let noCustomer = try await shop.post("v1/signups/\(code)/complete", ["company": "x"])
                #expect(noCustomer.status == 400, "\(noCustomer)")

                // The buyer's browser follows the redirect; the vendor's page completes it.
                let landed = try await JSONHTTPClient(baseURL: page).send("GET", page.absoluteString)
                #expect(landed.status == 200, "\(landed)")
                let told = try #require(await completions.notes.first)
                let handoff = try JSONDecoder().decode(Handoff.self, from: told.body)
                #expect(told.status == 200 && handoff.customer.id == "vendor-customer-42" && handoff.account.signedUp)
                // Approved in the same request; Google's activation follows, and the app API shows it.
                let state = handoff.account.entitlements.first { $0.id == purchase.entitlementId }?.state
                #expect(["ENTITLEMENT_ACTIVATION_REQUESTED", "ENTITLEMENT_ACTIVE"].contains(state ?? ""), "\(handoff)")
                _ = try await eventually(within: .seconds(20), every: .milliseconds(100)) {
                    try await entitle.store.entitlement(id)?.state == .active
                }
                let shown = try await entitle.client(bearer: Self.shopKey).get(
                    "v1/entitlements/\(purchase.entitlementId)"
                )
                #expect(
                    shown.text.contains("ENTITLEMENT_ACTIVE") && shown.text.contains("\"inService\":true"),
                    "\(shown)"
                )
                #expect(try await entitle.procurement.entitlement(id).state == .active, "Google agrees")
                #expect(
                    try await entitle.procurement.account(try AccountID(purchase.accountId)).approvals?.first?.state
                        == .approved
                )
                #expect(
                    try await entitle.store.customer(forAccount: try AccountID(purchase.accountId))?.id
                        == "vendor-customer-42"
                )

                let reused = try await shop.post("v1/signups/\(code)/complete", ["customerId": "vendor-customer-42"])
                #expect(reused.status == 410, "\(reused)")

                // A second account of the same customer links to it; an unused code expires.
                let other = try await running.control.buy(
                    product: "example-messaging-service",
                    plan: "basic",
                    account: "second-account"
                )
                let late = try Self.code(try await arrive(other))
                try await Task.sleep(for: .seconds(4.5))
                let expired = try await shop.post("v1/signups/\(late)/complete", ["customerId": "vendor-customer-42"])
                #expect(expired.status == 410 && expired.text.contains("expired"), "\(expired)")
                let fresh = try Self.code(try await arrive(other))
                let linked = try await shop.post("v1/signups/\(fresh)/complete", ["customerId": "vendor-customer-42"])
                #expect(linked.status == 200, "\(linked)")
                #expect(try await entitle.store.accounts(ofCustomer: "vendor-customer-42").count == 2)
            }
        }
    }
}
