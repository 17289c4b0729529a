/// How many rows stand in each state, for `/metrics` gauges: read in one query (the same SQL in
/// both stores), cheap enough to run at every scrape (each count is an indexed `GROUP BY`).
public struct StoreCounts: Hashable, Sendable {
    /// By Google's state (`ENTITLEMENT_ACTIVE`, …), deleted ones left out.
    public var entitlements: [String: Int] = [:]
    /// Outbox rows by status (`pending`, `failed`, `delivered`).
    public var callbacks: [String: Int] = [:]
    /// Ledger operations by status.
    public var usageOperations: [String: Int] = [:]
    /// Entitlements whose usage cannot be sealed or reported until someone acts.
    public var usageBlockedEntitlements = 0
    /// Service Control refuses Entitle itself: no usage is reported.
    public var usageReportingBlocked = false
    /// Dead letters not yet replayed successfully.
    public var deadLetters = 0
    public var poisonMessages = 0

    public init() {}

    static let sql: StoreSQL = """
        SELECT 'entitlement' AS grp, COALESCE(state, '') AS k, COUNT(*) AS n FROM entitlement WHERE NOT deleted
            GROUP BY state
        UNION ALL SELECT 'callback', status, COUNT(*) FROM outbox GROUP BY status
        UNION ALL SELECT 'operation', status, COUNT(*) FROM usage_operation GROUP BY status
        UNION ALL SELECT 'blocked', '', COUNT(*) FROM usage_cursor
            WHERE blocked_reason IS NOT NULL OR sealing_error IS NOT NULL
        UNION ALL SELECT 'reporting', '', COUNT(*) FROM usage_reporting WHERE blocked_reason IS NOT NULL
        UNION ALL SELECT 'dead_letter', '', COUNT(*) FROM dead_letter
            WHERE replayed_at IS NULL OR replay_error IS NOT NULL
        UNION ALL SELECT 'poison', '', COUNT(*) FROM poison_message
        """

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
