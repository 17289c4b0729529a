import EntitleStore
import MarketplaceCore

/// What a notification's decision reads first (`Store.decisionRecords`): every combination of
/// what it names and what is stored.
extension StoreConformance {
    static let decisionChecks: [String: Check] = [
        "a decision reads the event's state, the entitlement and its account, or the account named":
            decisionRecords
    ]

    static func decisionRecords(_ store: any Store) async throws {
        let event = unique("event")
        let owner = LocalAccount(id: try AccountID(unique("A")), signupApproval: .approved, isSignedUp: false)
        let named = LocalAccount(id: try AccountID(unique("A")), signupApproval: .pending, isSignedUp: false)
        var owned = entitlement(unique("E"))
        owned.accountID = owner.id
        var orphan = entitlement(unique("E"))
        orphan.accountID = nil
        _ = try await store.commit(
            StoreCommit(eventID: event, entitlements: [owned, orphan], accounts: [owner, named])
        )

        let nothing = try await store.decisionRecords(eventID: unique("event"), entitlement: nil, account: nil)
        try require(nothing == DecisionRecords(), "nothing named, nothing stored: \(nothing)")
        let seen = try await store.decisionRecords(eventID: event, entitlement: nil, account: nil)
        try require(seen == DecisionRecords(isProcessed: true), "a committed event is processed: \(seen)")

        // The entitlement's own account wins over the one named.
        let both = try await store.decisionRecords(eventID: nil, entitlement: owned.id, account: named.id)
        try require(both == DecisionRecords(entitlement: owned, account: owner), "the entitlement's account: \(both)")
        let fallback = try await store.decisionRecords(eventID: nil, entitlement: orphan.id, account: named.id)
        try require(
            fallback == DecisionRecords(entitlement: orphan, account: named),
            "an entitlement without an account: the account named: \(fallback)"
        )
        let missing = try await store.decisionRecords(
            eventID: nil,
            entitlement: try EntitlementID(unique("E")),
            account: named.id
        )
        try require(missing == DecisionRecords(account: named), "an entitlement not stored: the account named")
        let account = try await store.decisionRecords(eventID: event, entitlement: nil, account: owner.id)
        try require(
            account == DecisionRecords(isProcessed: true, account: owner),
            "an account's event: the account: \(account)"
        )
    }
}
