import Entitle
import EntitleStore
import EntitleTestSupport
import Foundation
import MarketplaceCore
import MarketplaceEmulator
import Testing

/// Sign-up starts are limited per client address (before a token is read) and per account (once
/// verified): the one over the limit gets a page saying to wait, with `Retry-After`.
extension SignupTests {
    @Test(
        "POST /signup: over the per-address limit 429 with Retry-After, whatever the token; nothing is read or written"
    )
    func perAddressLimit() async throws {
        try await withSignup(rateLimit: SignupRateLimit(perAddress: 3, perAccount: 0)) { fixture in
            let purchase = try await buy(fixture)
            for token in ["not-a-token", "still-not", "nor-this"] {
                #expect(try await postForm(fixture, "signup", [("x-gcp-marketplace-token", token)]).status == 401)
            }
            let refused = try await postForm(fixture, "signup", [("x-gcp-marketplace-token", purchase.signupToken)])
            #expect(refused.status == 429 && refused.text.contains("Too many sign-up attempts"), "\(refused)")
            #expect(Int(refused.headers["retry-after"] ?? "") ?? 0 > 0, "\(refused.headers)")
            #expect(try await fixture.store.account(try AccountID(purchase.accountId)) == nil, "nothing was written")
        }
    }

    @Test("POST /signup: one account's tokens over its limit get 429; another account's still start")
    func perAccountLimit() async throws {
        try await withSignup(rateLimit: SignupRateLimit(perAddress: 0, perAccount: 2)) { fixture in
            let first = try await buy(fixture)
            var tokens = [first.signupToken]
            for _ in 0..<2 { tokens.append(try await buy(fixture, account: first.accountId).signupToken) }
            var statuses: [Int] = []
            for token in tokens {
                statuses.append(try await postForm(fixture, "signup", [("x-gcp-marketplace-token", token)]).status)
            }
            #expect(statuses == [200, 200, 429], "\(statuses)")
            let other = try await buy(fixture)
            #expect(
                try await postForm(fixture, "signup", [("x-gcp-marketplace-token", other.signupToken)]).status == 200
            )
        }
    }
}
