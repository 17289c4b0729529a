import EntitleStore
import Foundation
import MarketplaceCore

/// The usage ledger's part of the `Store` contract.
extension StoreConformance {
    static let usageChecks: [String: Check] = [
        "usage: a repeated key is a duplicate; a reused key with another body records nothing of its batch":
            usageIdempotency,
        "usage: one operation per entitlement, metric, labels and window; late usage goes to the first open window; a final window ends at the cancellation":
            usageSealing,
        "usage: a reported operation is never changed again and moves reportedUntil; a block is set once per episode":
            usageOutcomes,
        "usage: sealing a chunk at a time and reading due operations a page of entitlements at a time covers each entitlement once":
            usageChunks,
        "usage: a key twice in one batch is one record; window sums are exact up to Int64.max and refused past it":
            usageBatchKeys,
        "usage: a cancellation inside a sealed window puts its records back in their windows and seals them again":
            usageReseal,
        "usage: reported operations add to their days' billed totals once; a rejected one adds nothing":
            usageBilled,
    ]

    static let hour: Int64 = 3600
    static let base = Timestamp(seconds: 1_800_000_000 - 1_800_000_000 % 3600)

    static func submission(
        _ id: EntitlementID,
        _ metric: String,
        _ quantity: Int64,
        at offset: Int64,
        key: String,
        labels: [String: String] = [:]
    )
        -> UsageSubmission
    {
        UsageSubmission(
            entitlementID: id,
            metric: metric,
            quantity: quantity,
            time: base.adding(seconds: offset),
            idempotencyKey: key,
            labels: labels
        )
    }

    static func sealing(at offset: Int64, finals: [EntitlementID: Timestamp] = [:]) -> UsageSealing {
        UsageSealing(cutoff: base.adding(seconds: offset), windowLength: hour, finals: finals) {
            "\($0.rawValue)|\($1)|\($2)|\($3.start.seconds)|\($3.end.seconds)"
        }
    }

    /// What rules that refuse every record judge of `submissions` (app "a"): position → whether the
    /// record's entitlement was known to the rules. The positions left out are duplicates.
    static func judge(_ store: any Store, _ submissions: [UsageSubmission]) async throws -> [Int: String] {
        let rules = UsageIntakeRules(judgeOnly: true) { submission, entitlement, _ in
            [
                submission.entitlementID.rawValue
                    + (entitlement?.id == submission.entitlementID ? " known" : " unknown")
            ]
        }
        do {
            _ = try await store.recordUsage(submissions, app: "a", windowLength: hour, at: base, rules: rules)
            throw StoreConformanceFailure(message: "rules that refuse everything must refuse the batch")
        } catch let refused as UsageRefused {
            return refused.problems.mapValues { $0.joined() }
        }
    }

    static func usageIdempotency(_ store: any Store) async throws {
        let id = try EntitlementID(unique("E"))
        _ = try await store.commit(StoreCommit(entitlements: [entitlement(id.rawValue)]))
        let first = try await store.recordUsage(
            [submission(id, "requests", 5, at: 10, key: "k1")],
            app: "a",
            windowLength: hour,
            at: base
        )
        try require(
            first == [.accepted(window: UsageWindow(start: base, end: base.adding(seconds: hour)))],
            "accepted in its hour: \(first)"
        )
        let again = try await store.recordUsage(
            [submission(id, "requests", 5, at: 10, key: "k1")],
            app: "a",
            windowLength: hour,
            at: base
        )
        try require(
            again == [.duplicate(window: UsageWindow(start: base, end: base.adding(seconds: hour)))],
            "same body: duplicate, \(again)"
        )
        let judged = try await judge(
            store,
            [
                submission(id, "requests", 5, at: 10, key: "k1"), submission(id, "requests", 6, at: 10, key: "k1"),
                submission(id, "requests", 5, at: 10, key: "new"),
                submission(try EntitlementID("E-unknown"), "requests", 5, at: 10, key: "k9"),
            ]
        )
        try require(
            judged == [1: "\(id.rawValue) known", 2: "\(id.rawValue) known", 3: "E-unknown unknown"],
            "all but the duplicate judged, each by its entitlement as stored: \(judged)"
        )
        let otherApp = try await store.recordUsage(
            [submission(id, "requests", 6, at: 10, key: "k1")],
            app: "b",
            windowLength: hour,
            at: base
        )
        try require(otherApp.count == 1, "keys are per app")
        do {
            _ = try await store.recordUsage(
                [submission(id, "requests", 1, at: 20, key: "k2"), submission(id, "requests", 7, at: 10, key: "k1")],
                app: "a",
                windowLength: hour,
                at: base
            )
            try require(false, "a reused key with another body must throw UsageConflict")
        } catch let conflict as UsageConflict {
            try require(conflict.idempotencyKeys == ["k1"], "the clashing key is named: \(conflict)")
        }
        let unsealed = try await store.unsealedUsage(entitlement: id)
        try require(
            unsealed.map(\.quantity).reduce(0, +) == 11 && unsealed.map(\.records).reduce(0, +) == 2,
            "k2 was not kept: \(unsealed)"
        )
    }

    static func usageBatchKeys(_ store: any Store) async throws {
        let id = try EntitlementID(unique("E"))
        let window = UsageWindow(start: base, end: base.adding(seconds: hour))
        let twice = try await store.recordUsage(
            [submission(id, "requests", 4, at: 10, key: "k1"), submission(id, "requests", 4, at: 10, key: "k1")],
            app: "a",
            windowLength: hour,
            at: base
        )
        try require(
            twice == [.accepted(window: window), .duplicate(window: window)],
            "the second is a duplicate: \(twice)"
        )
        do {
            _ = try await store.recordUsage(
                [submission(id, "requests", 1, at: 10, key: "k2"), submission(id, "requests", 2, at: 10, key: "k2")],
                app: "a",
                windowLength: hour,
                at: base
            )
            try require(false, "one key with two bodies in one batch must throw UsageConflict")
        } catch let conflict as UsageConflict {
            try require(conflict.idempotencyKeys == ["k2"], "the clashing key is named: \(conflict)")
        }
        // Up to Int64.max exactly (sums whose high halves are large), then one more is refused.
        let big = try await store.recordUsage(
            [submission(id, "big", Int64.max - 7, at: 10, key: "b1"), submission(id, "big", 7, at: 20, key: "b2")],
            app: "a",
            windowLength: hour,
            at: base
        )
        try require(
            big == [.accepted(window: window), .accepted(window: window)],
            "a window may hold Int64.max: \(big)"
        )
        do {
            _ = try await store.recordUsage(
                [submission(id, "big", 1, at: 30, key: "b3")],
                app: "a",
                windowLength: hour,
                at: base
            )
            try require(false, "a record taking the window past Int64.max must throw UsageOverflow")
        } catch is UsageOverflow {}
        let unsealed = try await store.unsealedUsage(entitlement: id).sorted { $0.metric < $1.metric }
        try require(
            unsealed.map(\.quantity) == [Int64.max, 4] && unsealed.map(\.records) == [2, 1]
                && !unsealed.contains(where: \.overflows),
            "k1 once, k2 not at all, b1 and b2 summed exactly: \(unsealed)"
        )
    }

    static func usageSealing(_ store: any Store) async throws {
        let id = try EntitlementID(unique("E"))
        let labels = ["cloudmarketplace.googleapis.com/resource_name": "vm-1"]
        _ = try await store.recordUsage(
            [
                submission(id, "requests", 5, at: 10, key: "a"), submission(id, "requests", 7, at: 3000, key: "b"),
                submission(id, "requests", 1, at: 20, key: "c", labels: labels),
                submission(id, "storage", 2, at: 30, key: "d"),
                submission(id, "requests", 9, at: hour + 5, key: "e"),
            ],
            app: "a",
            windowLength: hour,
            at: base
        )
        let sealed = try await store.sealUsage(sealing(at: hour + 60), at: base.adding(seconds: hour + 60)).operations
        try require(sealed.count == 3, "requests, requests with labels, storage of the first hour: \(sealed)")
        try require(sealed.first { $0.metric == "requests" && $0.labels.isEmpty }?.quantity == 12, "summed")
        try require(
            try await store.usageCursor(id)?.sealedUntil == base.adding(seconds: hour),
            "sealed through the first hour"
        )
        let late = try await store.recordUsage(
            [submission(id, "requests", 4, at: 100, key: "f")],
            app: "a",
            windowLength: hour,
            at: base
        )
        try require(
            late == [
                .accepted(window: UsageWindow(start: base.adding(seconds: hour), end: base.adding(seconds: 2 * hour)))
            ],
            "late: \(late)"
        )
        let twice = try await store.sealUsage(sealing(at: hour + 60), at: base.adding(seconds: hour + 60)).operations
        try require(twice.isEmpty, "a window is sealed once")
        let final = base.adding(seconds: hour + 1800)
        let last = try await store.sealUsage(
            sealing(at: hour + 1900, finals: [id: final]),
            at: base.adding(seconds: hour + 1900)
        ).operations
        try require(
            last.count == 1 && last[0].quantity == 13 && last[0].window.end == final,
            "final window ends at the cancellation: \(last)"
        )
        try require(try await store.usageCursor(id)?.isFinal == true, "final")
        try require(try await store.unsealedUsage(entitlement: id).isEmpty, "nothing left")
    }

    static func usageOutcomes(_ store: any Store) async throws {
        let id = try EntitlementID(unique("E"))
        _ = try await store.recordUsage(
            [submission(id, "requests", 5, at: 10, key: "a")],
            app: "a",
            windowLength: hour,
            at: base
        )
        let operation = try await store.sealUsage(sealing(at: hour), at: base.adding(seconds: hour)).operations[0]
        let due = try await store.usageOperations(statuses: [.pending], entitlement: id, limit: 10)
        try require(due.map(\.id) == [operation.id], "pending after sealing")
        try await store.updateUsageOperations(
            [UsageOperationUpdate(id: operation.id, status: .unknown, error: "timeout", attempted: true)],
            at: base
        )
        try await store.updateUsageOperations(
            [UsageOperationUpdate(id: operation.id, status: .reported, attempted: true)],
            at: base
        )
        try await store.updateUsageOperations(
            [UsageOperationUpdate(id: operation.id, status: .rejected, error: "late", attempted: true)],
            at: base
        )
        let stored = try await store.usageOperation(id: operation.id)
        try require(
            stored?.status == .reported && stored?.attempts == 2 && stored?.quantity == 5,
            "reported stays reported: \(String(describing: stored))"
        )
        try require(try await store.usageCursor(id)?.reportedUntil == base.adding(seconds: hour), "reportedUntil moved")
        let audit = AuditEntry(at: base, kind: .usage, subject: "entitlements/\(id.rawValue)", summary: "blocked")
        try require(
            try await store.setUsageBlocked(id, reason: "BILLING_DISABLED", at: base, audit: audit, callback: nil),
            "blocked"
        )
        try require(
            !(try await store.setUsageBlocked(id, reason: "BILLING_DISABLED", at: base, audit: audit, callback: nil)),
            "once"
        )
        try require(
            try await store.setUsageBlocked(id, reason: nil, at: base, audit: audit, callback: nil),
            "unblocked"
        )
    }
}

extension StoreConformance {
    /// Seven entitlements with closed windows (two of them also cancelled, with later usage),
    /// sealed three at a time, then read two entitlements a page: every entitlement once, in id order.
    static func usageChunks(_ store: any Store) async throws {
        // Ids that sort differently as bytes and in a natural-language collation ("a-b" vs "aa").
        let ids = try ["k-1", "k-2", "k-a", "kA", "k_b", "ka", "k0"].map { try EntitlementID(unique($0)) }
        for (index, id) in ids.enumerated() {
            _ = try await store.recordUsage(
                [submission(id, "requests", 1, at: 10, key: "c\(index)")],
                app: "a",
                windowLength: hour,
                at: base
            )
        }
        let finals = [ids[1]: base.adding(seconds: hour + 600), ids[5]: base.adding(seconds: hour + 900)]
        for id in finals.keys {
            _ = try await store.recordUsage(
                [submission(id, "requests", 2, at: hour + 60, key: "late-\(id.rawValue)")],
                app: "a",
                windowLength: hour,
                at: base
            )
        }
        var chunk = sealing(at: hour + 1000, finals: finals)
        chunk.limit = 3
        var sealed: [EntitlementID: Int] = [:]
        var chunks = 0
        repeat {
            let result = try await store.sealUsage(chunk, at: base.adding(seconds: hour + 1000))
            try require(result.failures.isEmpty, "\(result.failures)")
            for operation in result.operations { sealed[operation.entitlementID, default: 0] += 1 }
            // Here every final has a closed window too, so no chunk needs more than the limit.
            try require(
                Set(result.operations.map(\.entitlementID)).count <= 3,
                "a chunk of at most three: \(result.operations.map(\.entitlementID))"
            )
            chunks += 1
            try require(chunks <= ids.count, "sealing ends")
            chunk.after = result.next
        } while chunk.after != nil
        // One operation for each entitlement's first hour, and one for a final's last (short) window.
        try require(
            sealed == Dictionary(uniqueKeysWithValues: ids.map { ($0, finals[$0] == nil ? 1 : 2) }),
            "\(sealed)"
        )
        try require(chunks == 3, "three chunks of at most three: \(chunks)")
        let again = try await store.sealUsage(
            sealing(at: hour + 1000, finals: finals),
            at: base.adding(seconds: hour + 1000)
        )
        try require(again.operations.isEmpty, "all sealed: \(again.operations)")

        var seen: [EntitlementID] = []
        var after: EntitlementID?
        while true {
            let page = try await store.usageOperations(statuses: [.pending], entitlementsAfter: after, entitlements: 2)
            guard let last = page.last?.entitlementID else { break }
            let entitlements = page.map(\.entitlementID).reduce(into: [EntitlementID]()) {
                if $0.last != $1 { $0.append($1) }
            }
            try require(entitlements.count <= 2, "a page of two entitlements: \(entitlements)")
            seen += entitlements
            after = last
        }
        try require(
            seen == ids.sorted { Array($0.rawValue.utf8).lexicographicallyPrecedes(Array($1.rawValue.utf8)) },
            "each once, in byte order: \(seen)"
        )
    }
}
