import Entitle
import EntitleStore
import EntitleTestSupport
import Foundation
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// The person behind the purchase: each person of an account is handed over as who they are, and
/// returning buyers go to the app (a hand-off naming them) or, with `loginURL`, to the log-in page.
extension HandoffTests {
    static let peopleAdminToken = "people-admin-token-0123456789"

    struct Person: Decodable {
        struct User: Decodable {
            var identity: String?
            var roles: [String]
        }
        var customer: Handoff.Customer
        var user: User?
    }

    @Test("two people of one account: their own identities in hand-offs, both recorded, the newcomer announced once")
    func twoPeople() async throws {
        try await Self.withSignupDeployment { configuration in
            configuration.appURL = "https://app.example.com/welcome"
            configuration.usageAPIKeys = ["shop": AppAccess(Self.shopKey)]
            configuration.adminToken = Self.peopleAdminToken
        } _: { running, entitle, _ in
            let site = JSONHTTPClient(baseURL: entitle.baseURL)
            let shop = entitle.client(bearer: Self.shopKey)
            let purchase = try await Self.buyBasic(running)
            let first = SignupBrowser(site)
            _ = try await Self.signUp(first, token: purchase.signupToken)
            let owner = try await Self.handOff(first, shop).decode(Person.self)
            #expect(owner.user?.identity == "user-\(purchase.accountId)" && owner.user?.roles == ["account_admin"])

            let colleague = try await running.control.signupToken(
                account: purchase.accountId,
                overrides: SignupTokenOverrides(userIdentity: "colleague-7", roles: "billing_viewer")
            )
            let second = SignupBrowser(site)
            let back = try await second.arrive(token: colleague.token)
            #expect(back.status == 303 && back.location?.path == "/welcome", "a returning account: \(back)")
            let other = try await Self.handOff(second, shop).decode(Person.self)
            #expect(other.user?.identity == "colleague-7" && other.user?.roles == ["billing_viewer"], "\(other)")
            #expect(other.customer.id == owner.customer.id, "the same customer, another person")
            // The first browser still hands over its own person, not the latest one.
            let again = try await Self.handOff(first, shop).decode(Person.self)
            #expect(again.user?.identity == "user-\(purchase.accountId)")

            // Both are recorded on the account; the newcomer to a linked account is announced once.
            let colleagueAgain = try await running.control.signupToken(
                account: purchase.accountId,
                overrides: SignupTokenOverrides(userIdentity: "colleague-7", roles: ["billing_viewer", "viewer"])
            )
            #expect(try await SignupBrowser(site).arrive(token: colleagueAgain.token).status == 303)
            struct Detail: Decodable {
                struct Person: Decodable {
                    var identity: String
                    var roles: [String]
                }
                var people: [Person]
            }
            let admin = entitle.client(bearer: Self.peopleAdminToken)
            let detail = try await admin.get("api/admin/accounts/\(purchase.accountId)").decode(Detail.self)
            #expect(detail.people.map(\.identity) == ["user-\(purchase.accountId)", "colleague-7"], "\(detail)")
            #expect(detail.people.last?.roles == ["billing_viewer", "viewer"], "the latest token's roles")
            let viaApp = try await shop.get("v1/accounts/\(purchase.accountId)/entitlements")
            #expect(viaApp.text.contains(#""identity":"colleague-7""#), "the app API lists the people: \(viaApp)")
            let told = try await entitle.store.callbacks(subject: "accounts/\(purchase.accountId)", limit: 10)
            let added = told.filter { $0.kind == .personAdded }
            #expect(added.count == 1 && added[0].body.contains(#""identity":"colleague-7""#), "\(told)")
            let signedUp = try #require(told.first { $0.kind == .customerSignedUp })
            #expect(signedUp.body.contains(#""identity":"user-\#(purchase.accountId)""#), "\(signedUp.body)")
        }
    }

    @Test("with loginURL, a returning buyer goes to the vendor's log-in page; a new one still to appURL")
    func returningToLogin() async throws {
        try await Self.withSignupDeployment { configuration in
            configuration.appURL = "https://app.example.com/welcome"
            configuration.loginURL = "https://app.example.com/login?from=marketplace"
            configuration.usageAPIKeys = ["shop": AppAccess(Self.shopKey)]
        } _: { running, entitle, _ in
            let site = JSONHTTPClient(baseURL: entitle.baseURL)
            let purchase = try await Self.buyBasic(running)
            let landing = try await Self.signUp(SignupBrowser(site), token: purchase.signupToken)
            #expect(landing.path == "/welcome", "\(landing)")
            let token = try await running.control.signupToken(account: purchase.accountId)
            let back = try await SignupBrowser(site).arrive(token: token.token)
            #expect(
                back.status == 303 && back.location?.absoluteString == "https://app.example.com/login?from=marketplace"
            )
        }
    }

    @Test("through /signup: Google's claims in any shape are taken; a wrong aud, iss or alg is not")
    func claimShapesEndToEnd() async throws {
        try await Self.withSignupDeployment { configuration in
            configuration.appURL = "https://app.example.com/welcome"
            configuration.usageAPIKeys = ["shop": AppAccess(Self.shopKey)]
        } _: { running, entitle, _ in
            let site = JSONHTTPClient(baseURL: entitle.baseURL)
            let purchase = try await Self.buyBasic(running)
            let order = try #require(purchase.entitlement.orderId)
            let shaped = try await running.control.signupToken(
                account: purchase.accountId,
                overrides: SignupTokenOverrides(
                    userIdentity: "shaped-1",
                    roles: "billing_viewer",
                    orders: [["orderId": .string(order), "quantity": 2]],
                    googleExtras: ["tier": ["gold"], "flags": 7]
                )
            )
            let browser = SignupBrowser(site)
            _ = try await Self.signUp(browser, token: shaped.token)
            let handoff = try await Self.handOff(browser, entitle.client(bearer: Self.shopKey)).decode(Handoff.self)
            #expect(handoff.user?.identity == "shaped-1" && handoff.user?.roles == ["billing_viewer"], "\(handoff)")
            #expect(handoff.orders?.first?.entitlementId == purchase.entitlementId, "the order object's id was read")

            for (name, overrides) in [
                ("aud", SignupTokenOverrides(audience: "evil.example.com")),
                ("iss", SignupTokenOverrides(issuer: "https://evil.example.com/certs")),
            ] {
                let bad = try await running.control.signupToken(account: purchase.accountId, overrides: overrides)
                let refused = try await SignupBrowser(site).arrive(token: bad.token)
                #expect(refused.status == 401 && refused.cookies.isEmpty, "wrong \(name): \(refused)")
            }
            // alg none: the same claims, unsigned.
            let parts = shaped.token.split(separator: ".").map(String.init)
            let none = Data(#"{"alg":"none","typ":"JWT"}"#.utf8).base64EncodedString()
                .replacingOccurrences(of: "=", with: "").replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_")
            let unsigned = try await SignupBrowser(site).arrive(token: "\(none).\(parts[1]).")
            #expect(unsigned.status == 401, "alg none: \(unsigned)")
        }
    }
}
