import EntitleStore
import Foundation
import MarketplaceCore

/// Retention's part of the `Store` contract: what is pruned, when, and what never is.
extension StoreConformance {
    static let retentionChecks: [String: Check] = [
        "retention: rows go by age and kind; usage records and operations only once reported; pending callbacks stay":
            retention
    ]

    static func retention(_ store: any Store) async throws {
        let now = Timestamp(Date())
        let day: Int64 = 86_400
        let policy = RetentionPolicy(
            inboxDays: 14,
            auditDays: 400,
            poisonDays: 90,
            usageRecordDays: 90,
            usageOperationDays: 200,
            callbackDays: 90
        )
        let event = unique("event")
        let delivered = callback(unique("cb"), at: now.seconds)
        let pending = callback(unique("cb"), at: now.seconds)
        let audit = AuditEntry(at: now, kind: .event, subject: "entitlements/x", summary: "kept longest")
        _ = try await store.commit(StoreCommit(eventID: event, callbacks: [delivered, pending], audit: [audit]))
        try await store.markCallbackDelivered(id: delivered.id, at: now)
        try await store.recordPoison(
            PoisonMessage(messageID: "m", data: Data("x".utf8), reason: "bad", receivedAt: now)
        )
        _ = try await store.recordDeliveryFailure(messageKey: unique("failing"), error: "e", at: now)
        let letter = DeadLetter(
            messageID: "d",
            eventID: nil,
            subject: nil,
            data: Data(),
            attributes: [:],
            error: "e",
            attempts: 3,
            firstFailedAt: now,
            deadLetteredAt: now
        )
        _ = try await store.recordDeadLetter(letter, messageKey: unique("dead"))
        let session = SignupSession(
            id: unique("session"),
            accountID: try AccountID(unique("A")),
            userIdentity: nil,
            csrfToken: "c",
            createdAt: now,
            expiresAt: now.adding(seconds: 3600)
        )
        try await store.createSignupSession(session)
        // Two windows of usage; only the first is reported.
        let id = try EntitlementID(unique("E"))
        let hour = UsageWindow.containing(now.adding(seconds: -3 * 3600), length: 3600).start
        let records = [
            UsageSubmission(entitlementID: id, metric: "requests", quantity: 1, time: hour, idempotencyKey: "r1"),
            UsageSubmission(
                entitlementID: id,
                metric: "requests",
                quantity: 2,
                time: hour.adding(seconds: 3600),
                idempotencyKey: "r2"
            ),
        ]
        _ = try await store.recordUsage(records, app: "a", windowLength: 3600, at: now)
        let sealed = try await store.sealUsage(
            UsageSealing(cutoff: now, windowLength: 3600, finals: [:]) { "\($0.rawValue)|\($3.start.seconds)" },
            at: now
        )
        let first = try sealed.operations.first { $0.window.start == hour } ?! "the first window was sealed"
        try await store.updateUsageOperations(
            [UsageOperationUpdate(id: first.id, status: .reported, attempted: true)],
            at: now
        )

        let early = try await store.prune(policy, now: now.adding(seconds: 2 * 3600), batch: 100)
        try require(
            early.signupSessions == 1 && early.total == 1,
            "after two hours only the expired session goes: \(early)"
        )
        try require(try await store.signupSession(id: session.id) == nil, "the expired session is removed")
        let fortnight = try await store.prune(policy, now: now.adding(seconds: 15 * day), batch: 100)
        try require(
            fortnight.inbox >= 1 && fortnight.total == fortnight.inbox,
            "after 15 days the inbox row goes: \(fortnight)"
        )
        try require(!(try await store.isProcessed(eventID: event)), "inbox row pruned")
        let quarter = try await store.prune(policy, now: now.adding(seconds: 91 * day), batch: 100)
        try require(
            quarter.poison == 1 && quarter.deadLetters == 1 && quarter.deliveryFailures == 1
                && quarter.usageRecords == 1 && quarter.callbacks == 1
                && quarter.audit == 0,
            "after 91 days: poison, dead letter, failure count, the reported usage record, the delivered callback: \(quarter)"
        )
        try require(try await store.callback(id: pending.id) != nil, "a pending callback is never pruned")
        try require(try await store.usageOperation(id: first.id) != nil, "the ledger stays past the records")
        let second = try sealed.operations.first { $0.window.start != hour } ?! "the second window was sealed"
        let ledger = try await store.prune(policy, now: now.adding(seconds: 201 * day), batch: 100)
        try require(ledger.usageOperations == 1, "after 201 days the reported operation goes: \(ledger)")
        try require(try await store.usageOperation(id: first.id) == nil, "the reported operation is pruned")
        try require(try await store.usageOperation(id: second.id) != nil, "an operation not reported never is")
        let judged = try await judge(store, records)
        let duplicates = Set(records.indices.filter { judged[$0] == nil }.map { records[$0].idempotencyKey })
        try require(
            duplicates == ["r2"],
            "the unreported window's record stays (a resend of it is still a duplicate): \(duplicates)"
        )
        let year = try await store.prune(policy, now: now.adding(seconds: 401 * day), batch: 100)
        try require(year.audit >= 1, "after 401 days the audit row goes: \(year)")
        try require(
            try await store.prune(policy, now: now.adding(seconds: 401 * day), batch: 100).total == 0,
            "nothing left to prune"
        )
    }
}

infix operator ?! : NilCoalescingPrecedence

/// The value, or a conformance failure saying what was missing.
func ?! <Value>(value: Value?, message: @autoclosure () -> String) throws(StoreConformanceFailure) -> Value {
    guard let value else { throw StoreConformanceFailure(message: message()) }
    return value
}
