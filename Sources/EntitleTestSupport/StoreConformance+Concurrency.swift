import EntitleStore
import Foundation
import MarketplaceCore

/// What only concurrency shows: replicas sharing one store must agree on versions,
/// on one customer per sign-up, on one record per idempotency key, and on who sends a callback.
extension StoreConformance {
    static let concurrencyChecks: [String: Check] = [
        "replicas: of two re-reads the newer updateTime wins, whatever the commit order; a sign-up is never undone":
            newerCopyWins,
        "replicas: two completions of one sign-up session at once link one customer": oneCustomer,
        "replicas: concurrent usage intake with repeated idempotency keys records each key once": oneRecordPerKey,
        "replicas: a claimed callback is nobody else's until its claim runs out; order per subject holds across claimants":
            claims,
    ]

    static func newerCopyWins(_ store: any Store) async throws {
        for round in 0..<10 {
            let id = unique("E")
            let older = entitlement(id, state: .active, updated: 100)
            let newer = entitlement(id, state: .pendingCancellation, updated: 200)
            // Either order, and both at once.
            let commits = round % 2 == 0 ? [older, newer] : [newer, older]
            try await withThrowingTaskGroup(of: Void.self) { group in
                for copy in commits { group.addTask { _ = try await store.commit(StoreCommit(entitlements: [copy])) } }
                try await group.waitForAll()
            }
            let stored = try await store.entitlement(try EntitlementID(id))
            try require(
                stored?.state == .pendingCancellation,
                "round \(round): the newer copy is kept: \(String(describing: stored?.state))"
            )
            _ = try await store.commit(StoreCommit(entitlements: [older]))
            try require(
                try await store.entitlement(try EntitlementID(id))?.state == .pendingCancellation,
                "an older copy later changes nothing"
            )
        }
        // Accounts too.
        let account = try AccountID(unique("A"))
        _ = try await store.commit(
            StoreCommit(accounts: [
                LocalAccount(id: account, signupApproval: .approved, updateTime: Timestamp(seconds: 50))
            ])
        )
        _ = try await store.commit(
            StoreCommit(accounts: [
                LocalAccount(id: account, signupApproval: .pending, updateTime: Timestamp(seconds: 10))
            ])
        )
        try require(
            try await store.account(account)?.signupApproval == .approved,
            "an older account copy changes nothing"
        )
        // A notification's copy read before a sign-up committed, written after it with Google's
        // newer time: its news is kept, the sign-up is not undone.
        let signed = try AccountID(unique("A"))
        let signup = LocalAccount(
            id: signed,
            signupApproval: .approved,
            isSignedUp: true,
            updateTime: Timestamp(seconds: 50)
        )
        _ = try await store.commit(StoreCommit(accounts: [signup]))
        let stale = LocalAccount(
            id: signed,
            signupApproval: .pending,
            isSignedUp: false,
            updateTime: Timestamp(seconds: 60)
        )
        _ = try await store.commit(StoreCommit(accounts: [stale]))
        let kept = try await store.account(signed)
        try require(
            kept?.isSignedUp == true && kept?.signupApproval == .pending,
            "signed up stays signed up; the newer approval state is taken: \(String(describing: kept))"
        )
        let records = try await store.decisionRecords(eventID: nil, entitlement: nil, account: signed)
        try require(records.account?.isSignedUp == true, "also as a decision reads it")
    }

    static func oneCustomer(_ store: any Store) async throws {
        let account = try AccountID(unique("A"))
        let session = SignupSession(
            id: unique("session"),
            accountID: account,
            userIdentity: nil,
            csrfToken: "c",
            createdAt: Timestamp(seconds: 1),
            expiresAt: Timestamp(seconds: 4_000_000_000)
        )
        try await store.createSignupSession(session)
        let linked = try await withThrowingTaskGroup(of: Customer.self) { group in
            for index in 0..<4 {
                group.addTask {
                    let customer = Customer(
                        id: unique("C\(index)"),
                        company: "Co \(index)",
                        contactName: "N",
                        email: "e@x.com",
                        createdAt: Timestamp(seconds: 1)
                    )
                    let record = LocalAccount(id: account, signupApproval: .approved, isSignedUp: true)
                    return try await store.completeSignup(
                        sessionID: session.id,
                        customer: customer,
                        at: Timestamp(seconds: 2),
                        commit: StoreCommit(accounts: [record])
                    )
                }
            }
            var all: [Customer] = []
            for try await customer in group { all.append(customer) }
            return all
        }
        try require(Set(linked.map(\.id)).count == 1, "every completion answers the same customer: \(linked.map(\.id))")
        try require(try await store.customer(forAccount: account)?.id == linked[0].id, "and it is the linked one")
    }

    static func oneRecordPerKey(_ store: any Store) async throws {
        let id = try EntitlementID(unique("E"))
        let keys = (0..<50).map { "k\($0)" }
        let batches = (0..<6).map { batch in
            keys.shuffled().map {
                UsageSubmission(
                    entitlementID: id,
                    metric: "requests",
                    quantity: 1,
                    time: base.adding(seconds: 10),
                    idempotencyKey: $0
                )
            }
            .prefix(30 + batch * 3)
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for batch in batches {
                group.addTask { _ = try await store.recordUsage(Array(batch), app: "a", windowLength: hour, at: base) }
            }
            try await group.waitForAll()
        }
        let recorded = try await store.unsealedUsage(entitlement: id)
        let distinct = Set(batches.flatMap { $0.map(\.idempotencyKey) }).count
        try require(
            recorded.map(\.records).reduce(0, +) == distinct,
            "each key once: \(recorded.map(\.records)) for \(distinct) keys"
        )
        try require(recorded.map(\.quantity).reduce(0, +) == Int64(distinct), "summed once each")
    }

    static func claims(_ store: any Store) async throws {
        let base: Int64 = 4_100_000_000 + Int64.random(in: 0..<1_000_000) * 1000
        let subject = unique("E")
        let first = callback(unique("cb"), at: base, entitlement: subject)
        let second = callback(unique("cb"), at: base, entitlement: subject)
        _ = try await store.commit(StoreCommit(callbacks: [first, second]))
        let now = Timestamp(seconds: base + 1)
        func mine(_ claimant: String, at time: Timestamp) async throws -> [String] {
            try await store.claimCallbacks(now: time, limit: 1000, leaseSeconds: 60, claimant: claimant).map(\.id)
                .filter {
                    [first.id, second.id].contains($0)
                }
        }
        try require(try await mine("a", at: now) == [first.id], "replica a claims the subject's first")
        try require(
            try await mine("b", at: now).isEmpty,
            "b gets neither: the first is a's, the second waits behind it"
        )
        try require(try await mine("b", at: now.adding(seconds: 30)).isEmpty, "still a's within the lease")
        try require(
            try await mine("b", at: now.adding(seconds: 61)) == [first.id],
            "a died: b takes over when the claim runs out"
        )
        try await store.markCallbackDelivered(id: first.id, at: now.adding(seconds: 62))
        try require(try await mine("a", at: now.adding(seconds: 62)) == [second.id], "then the next, in order")
        // Many replicas at once: each due callback goes to one of them.
        let many = (0..<40).map { _ in callback(unique("cb"), at: base, entitlement: unique("E")) }
        _ = try await store.commit(StoreCommit(callbacks: many))
        let time = now.adding(seconds: 100)
        let claimed = try await withThrowingTaskGroup(of: [String].self) { group in
            for replica in 0..<4 {
                group.addTask {
                    try await store.claimCallbacks(now: time, limit: 1000, leaseSeconds: 60, claimant: "r\(replica)")
                        .map(\.id)
                }
            }
            var all: [String] = []
            for try await ids in group { all += ids }
            return all
        }
        let ours = claimed.filter { id in many.contains { $0.id == id } }
        try require(
            ours.count == many.count && Set(ours).count == many.count,
            "each claimed once: \(ours.count) claims of \(many.count)"
        )
    }
}
