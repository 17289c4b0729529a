/// The console's counting queries, the same text for SQLite and PostgreSQL (times are microseconds).
enum ConsoleQueries {
    static let notificationsPerHour = """
        SELECT (at / 3600000000) * 3600 AS bucket, COUNT(*) AS n FROM audit_log WHERE kind = 'event' AND at >= ? GROUP BY bucket ORDER BY bucket
        """

    static func perDay(_ eventType: String) -> String {
        """
        SELECT (at / 86400000000) * 86400 AS bucket, COUNT(*) AS n FROM audit_log
        WHERE kind = 'event' AND summary = '\(eventType)' AND at >= ? GROUP BY bucket ORDER BY bucket
        """
    }

    static let activation = """
        SELECT MIN(CASE WHEN summary = 'ENTITLEMENT_CREATION_REQUESTED' THEN at END) AS created,
            MIN(CASE WHEN summary = 'ENTITLEMENT_ACTIVE' THEN at END) AS active
        FROM audit_log WHERE kind = 'event' AND at >= ? GROUP BY subject
        """

    /// Summed as floating point: a chart needs no exact total, and an exact sum could overflow.
    static let billed = """
        SELECT (window_start / 86400000000) * 86400 AS day, metric,
            SUM(CAST(quantity AS DOUBLE PRECISION)) AS quantity FROM usage_operation
        WHERE status = 'reported' AND window_start >= ? GROUP BY day, metric ORDER BY day, metric
        """
}
