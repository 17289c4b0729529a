public import EntitleStore
import Foundation
import MarketplaceCore

/// The behaviour every `Store` must have, whatever database is behind it. Each check makes its
/// own data and throws `StoreConformanceFailure` naming what did not hold; test targets run every
/// check against each implementation.
public enum StoreConformance {
    public typealias Check = @Sendable (any Store) async throws -> Void

    public static var checks: [String: Check] {
        coreChecks.merging(usageChecks) { a, _ in a }.merging(retentionChecks) { a, _ in a }.merging(concurrencyChecks)
        { a, _ in a }.merging(
            handoffChecks
        ) { a, _ in a }.merging(agentChecks) { a, _ in a }.merging(decisionChecks) { a, _ in a }
    }

    static let coreChecks: [String: Check] = [
        "a commit is read back, and its event counts as processed": commitReadBack,
        "an event committed twice is written once": duplicateCommit,
        "concurrent commits of one event: exactly one wins": concurrentCommits,
        "the outbox hands out each subject's first pending callback, in queue order, and keeps ids through failures and replays":
            outbox,
        "audit rows come back newest first, by subject": auditLog,
        "poison messages are kept with their bytes and reason": poison,
        "erasing an account twice is fine": eraseTwice,
        "entitlements page by id and filter by state; callbacks list by status and by subject": listing,
        "sign-up links one customer to the account; erasing removes the personal data and keeps the link": signup,
        "counts for metrics: entitlements by state, callbacks by status, poison": counts,
    ]

    static func require(_ condition: Bool, _ message: @autoclosure () -> String) throws(StoreConformanceFailure) {
        if !condition { throw StoreConformanceFailure(message: message()) }
    }

    static func entitlement(
        _ id: String,
        account: String = "A-1",
        state: EntitlementState = .active,
        updated: Int64 = 100
    ) -> LocalEntitlement {
        LocalEntitlement(
            id: try! EntitlementID(id),
            accountID: try! AccountID(account),
            resource: Entitlement(
                name: "providers/p/entitlements/\(id)",
                plan: "basic",
                state: state,
                updateTime: Timestamp(seconds: updated)
            )
        )
    }

    static func callback(_ id: String, at seconds: Int64, entitlement: String = unique("E")) -> OutboxItem {
        OutboxItem(
            id: id,
            kind: .activated,
            accountID: nil,
            entitlementID: try! EntitlementID(entitlement),
            body: "{}",
            createdAt: Timestamp(seconds: seconds)
        )
    }

    static func unique(_ prefix: String) -> String { "\(prefix)-\(UUID().uuidString)" }

    static func commitReadBack(_ store: any Store) async throws {
        let event = unique("event")
        let id = unique("E")
        let record = entitlement(id)
        let account = LocalAccount(
            id: try AccountID(unique("A")),
            signupApproval: .approved,
            isSignedUp: true,
            updateTime: Timestamp(seconds: 5)
        )
        try require(try await store.isProcessed(eventID: event) == false, "a new event is not processed")
        let outcome = try await store.commit(StoreCommit(eventID: event, entitlements: [record], accounts: [account]))
        try require(outcome == .committed, "first commit: \(outcome)")
        try require(try await store.isProcessed(eventID: event), "the event is in the inbox")
        try require(try await store.entitlement(record.id) == record, "the entitlement reads back equal")
        try require(try await store.account(account.id) == account, "the account reads back equal")
        try require(
            try await store.entitlements(ofAccount: try AccountID("A-1")).contains(record),
            "listed under its account"
        )
        var changed = record
        changed.resource.state = .pendingCancellation
        _ = try await store.commit(StoreCommit(entitlements: [changed]))
        try require(try await store.entitlement(record.id) == changed, "a later commit replaces the record")
    }

    static func duplicateCommit(_ store: any Store) async throws {
        let event = unique("event")
        let id = unique("E")
        let subject = "entitlements/\(id)"
        let audit = AuditEntry(
            at: Timestamp(seconds: 1),
            kind: .event,
            subject: subject,
            eventID: event,
            summary: "first"
        )
        _ = try await store.commit(StoreCommit(eventID: event, entitlements: [entitlement(id)], audit: [audit]))
        var second = audit
        second.summary = "second"
        let outcome = try await store.commit(
            StoreCommit(
                eventID: event,
                entitlements: [entitlement(id, state: .cancelled)],
                callbacks: [callback(unique("cb"), at: 1)],
                audit: [second]
            )
        )
        try require(outcome == .alreadyProcessed, "second commit: \(outcome)")
        try require(
            try await store.entitlement(try EntitlementID(id))?.state == .active,
            "the duplicate changed nothing"
        )
        try require(try await store.auditLog(subject: subject, limit: 10).map(\.summary) == ["first"], "one audit row")
    }

    static func concurrentCommits(_ store: any Store) async throws {
        let event = unique("event")
        let outcomes = try await withThrowingTaskGroup(of: CommitOutcome.self) { group in
            for index in 0..<10 {
                group.addTask {
                    try await store.commit(
                        StoreCommit(eventID: event, entitlements: [entitlement(unique("E-\(index)"))])
                    )
                }
            }
            return try await group.reduce(into: [CommitOutcome]()) { $0.append($1) }
        }
        try require(outcomes.filter { $0 == .committed }.count == 1, "outcomes: \(outcomes)")
    }

    static func outbox(_ store: any Store) async throws {
        let base: Int64 = 4_000_000_000 + Int64.random(in: 0..<1_000_000) * 1000
        let (a, b) = (unique("E"), unique("E"))
        let first = callback(unique("cb"), at: base + 5, entitlement: a)
        let second = callback(unique("cb"), at: base + 1, entitlement: a)
        let third = callback(unique("cb"), at: base + 2, entitlement: a)
        let other = callback(unique("cb"), at: base + 3, entitlement: b)
        let later = callback(unique("cb"), at: base + 100, entitlement: b)
        // Queued in this order: the order they are sent in, per subject, whatever their times.
        _ = try await store.commit(StoreCommit(callbacks: [first, second]))
        _ = try await store.commit(StoreCommit(callbacks: [other, third, later, first]))
        func due(at offset: Int64) async throws -> [String] {
            let ids = [first, second, third, other, later].map(\.id)
            // A claim as short as possible, so that each look sees the outbox as it stands.
            let now = Timestamp(seconds: base + offset)
            let claimed = try await store.claimCallbacks(now: now, limit: 100, leaseSeconds: 0, claimant: "conformance")
            return claimed.map(\.id).filter(ids.contains)
        }
        let atTen = try await due(at: 10)
        try require(atTen == [other.id, first.id], "one per subject, the first queued; the repeated id once: \(atTen)")
        try await store.markCallbackDelivered(id: first.id, at: Timestamp(seconds: base + 11))
        let atEleven = try await due(at: 11)
        try require(atEleven == [second.id, other.id], "the subject's next: \(atEleven)")
        try await store.markCallbackFailed(id: second.id, error: "503", nextAttemptAt: Timestamp(seconds: base + 50))
        try await store.markCallbackDelivered(id: other.id, at: Timestamp(seconds: base + 12))
        try require(
            try await due(at: 20).isEmpty,
            "a retrying callback holds its subject's next back; the later one is not due yet"
        )
        let retried = try await store.callback(id: second.id)
        try require(
            retried?.attempts == 1 && retried?.lastError == "503" && retried?.status == .pending,
            "attempt counted: \(String(describing: retried))"
        )
        try require(try await due(at: 60) == [second.id], "due after its backoff, still ahead of the third")
        try await store.markCallbackFailed(id: second.id, error: "gave up", nextAttemptAt: nil)
        try require(try await store.callback(id: second.id)?.status == .failed, "given up")
        try require(try await due(at: 100) == [third.id, later.id], "a given-up callback holds nothing back")
        try require(try await store.replayCallback(id: second.id, now: Timestamp(seconds: base + 100)), "replayed")
        try require(try await due(at: 100) == [second.id, later.id], "a replayed callback goes first again, same id")
        try require(
            try await store.replayCallback(id: first.id, now: Timestamp(seconds: base + 100)),
            "a delivered callback replays too"
        )
        let replayed = try await due(at: 100)
        try require(replayed == [first.id, later.id], "in queue order: \(replayed)")
        try require(
            try await store.replayCallback(id: unique("missing"), now: Timestamp(seconds: base)) == false,
            "unknown id"
        )
    }

    static func auditLog(_ store: any Store) async throws {
        let subject = "entitlements/\(unique("E"))"
        // More than one statement's worth (`CommitSQL` writes 64 entries a statement).
        let entries = (1...70).map {
            AuditEntry(
                at: Timestamp(seconds: Int64($0)),
                kind: .action,
                subject: subject,
                summary: "step \($0)",
                payload: "{\"n\":\($0)}"
            )
        }
        _ = try await store.commit(StoreCommit(audit: entries))
        let read = try await store.auditLog(subject: subject, limit: 2)
        try require(read.map(\.summary) == ["step 70", "step 69"], "newest first, limited: \(read.map(\.summary))")
        try require(
            read.first?.payload == "{\"n\":70}" && read.first?.kind == .action
                && read.first?.at == Timestamp(seconds: 70),
            "fields kept"
        )
        let all = try await store.auditLog(subject: subject, limit: 100)
        try require(all.map(\.summary) == entries.reversed().map(\.summary), "every entry, in order")
    }

    static func poison(_ store: any Store) async throws {
        let reason = unique("not JSON")
        let bytes = Data([0xFF, 0x00, 0x7B])
        try await store.recordPoison(
            PoisonMessage(
                messageID: "m-1",
                data: bytes,
                attributes: ["a": "b"],
                reason: reason,
                receivedAt: Timestamp(seconds: 9)
            )
        )
        let kept = try await store.poisonMessages(limit: 50).first { $0.reason == reason }
        try require(
            kept?.data == bytes && kept?.attributes == ["a": "b"] && kept?.messageID == "m-1",
            "kept: \(String(describing: kept))"
        )
    }

    static func counts(_ store: any Store) async throws {
        let empty = try await store.counts()
        try require(empty == StoreCounts(), "a new store counts nothing: \(empty)")
        _ = try await store.commit(
            StoreCommit(
                entitlements: [
                    entitlement(unique("E")), entitlement(unique("E")),
                    entitlement(unique("E"), state: .pendingCancellation),
                ],
                callbacks: [
                    callback(unique("cb"), at: 1), callback(unique("cb"), at: 2), callback(unique("cb"), at: 3),
                ]
            )
        )
        let claimed = try await store.claimCallbacks(
            now: Timestamp(seconds: 10),
            limit: 2,
            leaseSeconds: 30,
            claimant: "t"
        )
        try await store.markCallbackFailed(id: claimed[0].id, error: "HTTP 500", nextAttemptAt: nil)
        try await store.markCallbackDelivered(id: claimed[1].id, at: Timestamp(seconds: 11))
        try await store.recordPoison(
            PoisonMessage(messageID: nil, data: Data(), attributes: [:], reason: "x", receivedAt: Timestamp(seconds: 3))
        )
        let counts = try await store.counts()
        try require(
            counts.entitlements == ["ENTITLEMENT_ACTIVE": 2, "ENTITLEMENT_PENDING_CANCELLATION": 1],
            "entitlements: \(counts.entitlements)"
        )
        // What ended (delivered) is history: counted only when asked, so a scrape never scans it.
        try require(counts.callbacks == ["pending": 1, "failed": 1], "callbacks: \(counts.callbacks)")
        let history = try await store.counts(includingHistory: true)
        try require(history.callbacks == ["pending": 1, "failed": 1, "delivered": 1], "with history: \(history)")
        try require(counts.poisonMessages == 1 && counts.deadLetters == 0 && !counts.usageReportingBlocked, "\(counts)")
    }

    static func eraseTwice(_ store: any Store) async throws {
        let account = try AccountID(unique("A"))
        _ = try await store.commit(StoreCommit(accounts: [LocalAccount(id: account)], erase: [account]))
        _ = try await store.commit(StoreCommit(accounts: [LocalAccount(id: account, isErased: true)], erase: [account]))
        try require(try await store.account(account)?.isErased == true, "erased")
    }
}

extension StoreConformance {
    static func listing(_ store: any Store) async throws {
        let prefix = unique("L")
        let records = (0..<5).map { entitlement("\(prefix)-\($0)", state: $0.isMultiple(of: 2) ? .active : .cancelled) }
        _ = try await store.commit(StoreCommit(entitlements: records.reversed()))
        var seen: [EntitlementID] = []
        var after = try EntitlementID("\(prefix)")
        while true {
            let page = try await store.entitlements(state: nil, after: after, limit: 2).filter {
                $0.id.rawValue.hasPrefix(prefix)
            }
            guard let last = page.last else { break }
            seen += page.map(\.id)
            after = last.id
        }
        try require(seen == records.map(\.id), "paged in id order: \(seen)")
        let active = try await store.entitlements(state: .active, after: nil, limit: 10_000).filter {
            $0.id.rawValue.hasPrefix(prefix)
        }
        try require(active.count == 3, "filtered by state: \(active.map(\.id))")
        let item = callback(unique("cb"), at: 7)
        _ = try await store.commit(StoreCommit(callbacks: [item]))
        try await store.markCallbackFailed(id: item.id, error: "x", nextAttemptAt: nil)
        try require(
            try await store.callbacks(status: .failed, limit: 10_000).contains { $0.id == item.id },
            "listed as failed"
        )
        try require(
            !(try await store.callbacks(status: .pending, limit: 10_000).contains { $0.id == item.id }),
            "not as pending"
        )
        // One entitlement's callbacks, however many newer ones others have.
        let mine = unique("E")
        let own = [
            callback(unique("own"), at: 3, entitlement: mine), callback(unique("own"), at: 5, entitlement: mine),
        ]
        _ = try await store.commit(
            StoreCommit(callbacks: own + (0..<30).map { callback(unique("other"), at: 100 + $0) })
        )
        let listed = try await store.callbacks(subject: "entitlements/\(mine)", limit: 10)
        try require(listed.map(\.id) == [own[1].id, own[0].id], "the subject's, newest first: \(listed.map(\.id))")
        try require(
            try await store.callbacks(subject: "entitlements/\(mine)", limit: 1).map(\.id) == [own[1].id],
            "limited"
        )
    }

    static func signup(_ store: any Store) async throws {
        let account = try AccountID(unique("A"))
        let session = SignupSession(
            id: unique("session"),
            accountID: account,
            userIdentity: "user-1",
            csrfToken: unique("csrf"),
            tokenHash: unique("token"),
            createdAt: Timestamp(seconds: 10),
            expiresAt: Timestamp(seconds: 1810)
        )
        try await store.createSignupSession(session)
        try require(try await store.signupSession(id: session.id) == session, "the session reads back")
        try require(try await !store.signupTokenCompleted(tokenHash: session.tokenHash!), "open, not completed")
        try require(try await store.customer(forAccount: account) == nil, "no customer before sign-up")
        let customer = Customer(
            id: unique("C"),
            company: "Example Ltd",
            contactName: "Ada",
            email: "ada@example.com",
            createdAt: Timestamp(seconds: 20)
        )
        let record = LocalAccount(id: account, signupApproval: .approved, isSignedUp: true)
        let linked = try await store.completeSignup(
            sessionID: session.id,
            customer: customer,
            at: Timestamp(seconds: 20),
            commit: StoreCommit(accounts: [record])
        )
        try require(linked == customer, "the new customer is linked")
        try require(try await store.customer(forAccount: account) == customer, "found by account")
        try require(
            try await store.signupSession(id: session.id)?.completedAt == Timestamp(seconds: 20),
            "session completed"
        )
        try require(try await store.account(account)?.isSignedUp == true, "account signed up")
        try require(try await store.signupTokenCompleted(tokenHash: session.tokenHash!), "its token is used up")
        try require(try await !store.signupTokenCompleted(tokenHash: unique("token")), "another token is not")
        var other = customer
        other.id = unique("C")
        let again = try await store.completeSignup(
            sessionID: session.id,
            customer: other,
            at: Timestamp(seconds: 30),
            commit: StoreCommit(accounts: [record])
        )
        try require(again == customer, "a second completion keeps the first customer")
        // A session nobody opened (or one already swept away) links nothing and writes nothing.
        let stranger = try AccountID(unique("A"))
        do {
            _ = try await store.completeSignup(
                sessionID: unique("no-such-session"),
                customer: other,
                at: Timestamp(seconds: 40),
                commit: StoreCommit(accounts: [LocalAccount(id: stranger, signupApproval: .approved, isSignedUp: true)])
            )
            throw StoreConformanceFailure(message: "an unknown session completed")
        } catch StoreError.notFound {}
        try require(try await store.account(stranger) == nil, "nothing of an unknown session's commit is written")
        try require(try await store.customer(forAccount: stranger) == nil, "no customer for an unknown session")
        _ = try await store.commit(StoreCommit(erase: [account]))
        let erased = try await store.customer(forAccount: account)
        try require(
            erased?.id == customer.id && erased?.email == nil && erased?.company == nil && erased?.contactName == nil,
            "personal data gone: \(String(describing: erased))"
        )
        try require(erased?.erasedAt != nil, "erasure time kept")
    }
}

public struct StoreConformanceFailure: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
