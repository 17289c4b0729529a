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
    struct Person: Decodable {
        struct User: Decodable {
            var identity: String?
            var roles: [String]
        }
        var customer: Handoff.Customer
        var user: User?
    }

    @Test("two people of one account are handed over with their own identities and roles; the same customer")
    func twoPeople() async throws {
        try await Self.withSignupDeployment { configuration in
            configuration.appURL = "https://app.example.com/welcome"
            configuration.usageAPIKeys = ["shop": Self.shopKey]
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
        }
    }

    @Test("with loginURL, a returning buyer goes to the vendor's log-in page; a new one still to appURL")
    func returningToLogin() async throws {
        try await Self.withSignupDeployment { configuration in
            configuration.appURL = "https://app.example.com/welcome"
            configuration.loginURL = "https://app.example.com/login?from=marketplace"
            configuration.usageAPIKeys = ["shop": Self.shopKey]
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
}
