import EntitleStore
import Foundation
import MarketplaceCore

/// Hand-off codes and the customer lookups of the app API.
extension StoreConformance {
    static let handoffChecks: [String: Check] = [
        "hand-offs: redeemed once, by their app only, not after expiry; concurrent redemptions: exactly one wins; customers read by id with their accounts":
            handoffs
    ]

    static func handoffs(_ store: any Store) async throws {
        let account = try AccountID(unique("A"))
        let session = SignupSession(
            id: unique("session"),
            accountID: account,
            userIdentity: nil,
            csrfToken: unique("csrf"),
            createdAt: Timestamp(seconds: 10),
            expiresAt: Timestamp(seconds: 1810)
        )
        try await store.createSignupSession(session)
        let customer = try await store.completeSignup(
            sessionID: session.id,
            customer: Customer(
                id: unique("C"),
                company: "Example Ltd",
                contactName: "Ada",
                email: "ada@example.com",
                createdAt: Timestamp(seconds: 20)
            ),
            at: Timestamp(seconds: 20),
            commit: StoreCommit(accounts: [LocalAccount(id: account, signupApproval: .approved, isSignedUp: true)])
        )
        try require(try await store.customer(id: customer.id) == customer, "the customer reads back by id")
        try require(try await store.accounts(ofCustomer: customer.id) == [account], "its account")
        try require(try await store.customer(id: unique("C")) == nil, "no such customer")
        try require(try await store.accounts(ofCustomer: unique("C")).isEmpty, "no accounts of an unknown customer")

        func handoff(_ hash: String, expires: Int64 = 400) -> Handoff {
            Handoff(
                codeHash: hash,
                app: "shop",
                accountID: account,
                customerID: customer.id,
                createdAt: Timestamp(seconds: 100),
                expiresAt: Timestamp(seconds: expires)
            )
        }
        let first = unique("hash")
        try await store.createHandoff(handoff(first))
        let other = try await store.redeemHandoff(codeHash: first, app: "billing", at: Timestamp(seconds: 200))
        try require(other == .unknown, "another app's code is unknown to it: \(other)")
        let redeemed = try await store.redeemHandoff(codeHash: first, app: "shop", at: Timestamp(seconds: 200))
        var expected = handoff(first)
        expected.redeemedAt = Timestamp(seconds: 200)
        try require(redeemed == .redeemed(expected), "redeemed: \(redeemed)")
        let again = try await store.redeemHandoff(codeHash: first, app: "shop", at: Timestamp(seconds: 201))
        try require(again == .alreadyRedeemed, "a second time: \(again)")
        let late = unique("hash")
        try await store.createHandoff(handoff(late))
        let expired = try await store.redeemHandoff(codeHash: late, app: "shop", at: Timestamp(seconds: 400))
        try require(expired == .expired, "at its expiry: \(expired)")
        try require(
            try await store.redeemHandoff(codeHash: unique("hash"), app: "shop", at: Timestamp(seconds: 200))
                == .unknown,
            "never issued"
        )

        let contested = unique("hash")
        try await store.createHandoff(handoff(contested))
        let outcomes = try await withThrowingTaskGroup(of: HandoffRedemption.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    try await store.redeemHandoff(codeHash: contested, app: "shop", at: Timestamp(seconds: 300))
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let winners = outcomes.filter { if case .redeemed = $0 { true } else { false } }.count
        try require(winners == 1 && outcomes.filter { $0 == .alreadyRedeemed }.count == 7, "eight at once: \(outcomes)")
    }
}
