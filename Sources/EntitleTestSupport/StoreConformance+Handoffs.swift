import EntitleStore
import Foundation
import MarketplaceCore

/// Hand-off codes and the customer lookups of the app API.
extension StoreConformance {
    static let handoffChecks: [String: Check] = [
        "hand-offs: redeemed once, by their app only, not after expiry; concurrent redemptions: exactly one wins; customers read by id with their accounts":
            handoffs,
        "browser-bound sign-up: a browser's newest live session; proposals replace, none on an ended session":
            browserBound,
        "people: first seen kept, latest roles and orders; the callback only for a newcomer; erased with the account":
            people,
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
                expiresAt: Timestamp(seconds: expires),
                challenge: "challenge-of-" + hash,
                person: MarketplacePerson(identity: "person-1", roles: ["account_admin"], orders: ["O-1"])
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

    static func browserBound(_ store: any Store) async throws {
        let account = try AccountID(unique("A"))
        let browser = unique("browser")
        func session(_ created: Int64, browser: String?, roles: [String] = []) -> SignupSession {
            SignupSession(
                id: unique("session"),
                accountID: account,
                userIdentity: "person-\(created)",
                roles: roles,
                orders: ["O-\(created)"],
                csrfToken: unique("csrf"),
                browserHash: browser,
                createdAt: Timestamp(seconds: created),
                expiresAt: Timestamp(seconds: created + 600)
            )
        }
        let older = session(10, browser: browser)
        let newer = session(20, browser: browser, roles: ["account_admin", "billing"])
        let elsewhere = session(30, browser: unique("browser"))
        for item in [older, newer, elsewhere] { try await store.createSignupSession(item) }
        try require(try await store.signupSession(id: newer.id) == newer, "roles, orders and the browser read back")
        let found = try await store.signupSession(browserHash: browser, at: Timestamp(seconds: 100))
        try require(found == newer, "the browser's newest session: \(String(describing: found))")
        try require(
            try await store.signupSession(browserHash: browser, at: Timestamp(seconds: 620)) == nil,
            "none once its sessions expired"
        )
        try require(
            try await store.signupSession(browserHash: unique("browser"), at: Timestamp(seconds: 100)) == nil,
            "another browser has none"
        )

        var proposal = SignupProposal(codeHash: unique("proposal"), customerID: "tenant-1", at: Timestamp(seconds: 40))
        try require(try await store.proposeSignup(sessionID: newer.id, proposal), "proposed")
        let replacement = SignupProposal(
            codeHash: unique("proposal"),
            customerID: "tenant-2",
            company: "Two Ltd",
            at: Timestamp(seconds: 50)
        )
        try require(try await store.proposeSignup(sessionID: newer.id, replacement), "proposed again")
        try require(try await store.signupSession(proposalHash: proposal.codeHash) == nil, "the first is replaced")
        let proposed = try await store.signupSession(proposalHash: replacement.codeHash)
        try require(proposed?.id == newer.id && proposed?.proposal == replacement, "\(String(describing: proposed))")
        proposal.at = Timestamp(seconds: 700)
        try require(!(try await store.proposeSignup(sessionID: older.id, proposal)), "not on an expired session")
        try require(!(try await store.proposeSignup(sessionID: unique("session"), proposal)), "not on an unknown one")
        _ = try await store.completeSignup(
            sessionID: elsewhere.id,
            customer: Customer(
                id: unique("C"),
                company: nil,
                contactName: nil,
                email: nil,
                createdAt: Timestamp(seconds: 31)
            ),
            at: Timestamp(seconds: 31),
            commit: StoreCommit(accounts: [LocalAccount(id: account, signupApproval: .approved, isSignedUp: true)])
        )
        proposal.at = Timestamp(seconds: 40)
        try require(!(try await store.proposeSignup(sessionID: elsewhere.id, proposal)), "not on a completed one")
    }

    static func people(_ store: any Store) async throws {
        let account = try AccountID(unique("A"))
        func visit(_ identity: String, _ at: Int64, roles: [String]) -> AccountPerson {
            AccountPerson(
                accountID: account,
                identity: identity,
                roles: roles,
                orders: ["O-\(at)"],
                firstSeen: Timestamp(seconds: at),
                lastSeen: Timestamp(seconds: at)
            )
        }
        func callback(_ identity: String) -> OutboxItem {
            OutboxItem(
                id: "person-added-" + identity + account.rawValue,
                kind: .personAdded,
                accountID: account,
                entitlementID: nil,
                body: "{}",
                createdAt: Timestamp(seconds: 1)
            )
        }
        try require(try await store.recordPerson(visit("ada", 10, roles: ["account_admin"]), callbackIfNew: nil), "new")
        try require(
            !(try await store.recordPerson(visit("ada", 20, roles: ["billing"]), callbackIfNew: callback("ada"))),
            "seen again"
        )
        try require(
            try await store.recordPerson(visit("grace", 30, roles: []), callbackIfNew: callback("grace")),
            "a second person"
        )
        let people = try await store.people(ofAccount: account)
        try require(people.map(\.identity) == ["ada", "grace"], "first seen first: \(people)")
        try require(
            people[0].firstSeen == Timestamp(seconds: 10) && people[0].lastSeen == Timestamp(seconds: 20)
                && people[0].roles == ["billing"] && people[0].orders == ["O-20"],
            "first sighting kept, the rest the latest: \(people[0])"
        )
        let told = try await store.callbacks(subject: "accounts/\(account.rawValue)", limit: 10).map(\.kind)
        try require(told == [.personAdded], "one callback, for the newcomer only: \(told)")
        _ = try await store.commit(StoreCommit(erase: [account]))
        try require(try await store.people(ofAccount: account).isEmpty, "erased with the account")
    }
}
