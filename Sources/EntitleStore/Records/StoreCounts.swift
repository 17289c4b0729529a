/// How many rows stand in each state, for `/metrics` gauges: read in one query (the same SQL in
/// both stores). Only what still stands is counted (callbacks not delivered, operations not
/// reported), each an index range, so a scrape costs the same with a million rows of history;
/// history (delivered, reported, superseded) is counted only when asked (`includingHistory`).
public struct StoreCounts: Hashable, Sendable {
    /// By Google's state (`ENTITLEMENT_ACTIVE`, …), deleted ones left out.
    public var entitlements: [String: Int] = [:]
    /// Outbox rows by status (`pending`, `failed`; `delivered` with history).
    public var callbacks: [String: Int] = [:]
    /// Ledger operations by status (`reported` and `superseded` with history).
    public var usageOperations: [String: Int] = [:]
    /// Entitlements whose usage cannot be sealed or reported until someone acts.
    public var usageBlockedEntitlements = 0
    /// Service Control refuses Entitle itself: no usage is reported.
    public var usageReportingBlocked = false
    /// Dead letters not yet replayed successfully.
    public var deadLetters = 0
    public var poisonMessages = 0

    public init() {}

    /// The statuses rows end in, which only grow: counted only with history.
    static let finalCallbacks: Set<OutboxItem.Status> = [.delivered]
    static let finalOperations: Set<UsageOperationRecord.Status> = [.reported, .superseded]

    /// Each status listed (`IN`), so that both stores read an index range rather than every row.
    static func sql(includingHistory: Bool) -> StoreSQL {
        let callbacks = [OutboxItem.Status.pending, .failed, .delivered]
            .filter { includingHistory || !finalCallbacks.contains($0) }.map(\.rawValue)
        let operations = UsageOperationRecord.Status.allCases
            .filter { includingHistory || !finalOperations.contains($0) }.map(\.rawValue)
        return """
            SELECT 'entitlement' AS grp, COALESCE(state, '') AS k, COUNT(*) AS n FROM entitlement WHERE NOT deleted
                GROUP BY state
            UNION ALL SELECT 'callback', status, COUNT(*) FROM outbox WHERE status IN (\(list: callbacks))
                GROUP BY status
            UNION ALL SELECT 'operation', status, COUNT(*) FROM usage_operation WHERE status IN (\(list: operations))
                GROUP BY status
            UNION ALL SELECT 'blocked', '', COUNT(*) FROM usage_cursor
                WHERE blocked_reason IS NOT NULL OR sealing_error IS NOT NULL
            UNION ALL SELECT 'reporting', '', COUNT(*) FROM usage_reporting WHERE blocked_reason IS NOT NULL
            UNION ALL SELECT 'dead_letter', '', COUNT(*) FROM dead_letter
                WHERE replayed_at IS NULL OR replay_error IS NOT NULL
            UNION ALL SELECT 'poison', '', COUNT(*) FROM poison_message
            """
    }

    static func row(_ row: any StoreRow) throws -> (group: String, key: String, count: Int) {
        (try row.get("grp"), try row.get("k"), try row.get("n"))
    }

    /// From the rows of `sql`: group, key, count.
    init(rows: [(group: String, key: String, count: Int)]) {
        for row in rows {
            switch row.group {
            case "entitlement": entitlements[row.key] = row.count
            case "callback": callbacks[row.key] = row.count
            case "operation": usageOperations[row.key] = row.count
            case "blocked": usageBlockedEntitlements = row.count
            case "reporting": usageReportingBlocked = row.count > 0
            case "dead_letter": deadLetters = row.count
            case "poison": poisonMessages = row.count
            default: break
            }
        }
    }
}
