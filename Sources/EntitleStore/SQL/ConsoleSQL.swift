import Foundation
import MarketplaceCore

/// The admin console's sessions (hashes only) and its overview's counts (times are microseconds).
enum ConsoleSQL {
    static func insert(_ session: ConsoleSession) -> StoreSQL {
        """
        INSERT INTO console_session (id_hash, csrf_token, actor, created_at, expires_at)
        VALUES (\(session.idHash), \(session.csrfToken), \(session.actor), \(session.createdAt), \(session.expiresAt))
        """
    }

    static func session(idHash: String, at: Timestamp) -> StoreSQL {
        "SELECT * FROM console_session WHERE id_hash = \(idHash) AND expires_at > \(at)"
    }

    static func session(_ row: any StoreRow) throws -> ConsoleSession {
        ConsoleSession(
            idHash: try row.get("id_hash"),
            csrfToken: try row.get("csrf_token"),
            actor: try row.get("actor"),
            createdAt: try row.time("created_at"),
            expiresAt: try row.time("expires_at")
        )
    }

    static func endSession(idHash: String) -> StoreSQL { "DELETE FROM console_session WHERE id_hash = \(idHash)" }

    static func notificationsPerHour(since: Timestamp) -> StoreSQL {
        """
        SELECT (at / 3600000000) * 3600 AS bucket, COUNT(*) AS n FROM audit_log
        WHERE kind = 'event' AND at >= \(since) GROUP BY bucket ORDER BY bucket
        """
    }

    static func perDay(_ eventType: String, since: Timestamp) -> StoreSQL {
        """
        SELECT (at / 86400000000) * 86400 AS bucket, COUNT(*) AS n FROM audit_log
        WHERE kind = 'event' AND summary = \(eventType) AND at >= \(since) GROUP BY bucket ORDER BY bucket
        """
    }

    static func count(_ row: any StoreRow) throws -> ConsoleActivity.Count {
        ConsoleActivity.Count(bucket: try row.get("bucket"), count: try row.get("n"))
    }

    static func activation(since: Timestamp) -> StoreSQL {
        """
        SELECT MIN(CASE WHEN summary = 'ENTITLEMENT_CREATION_REQUESTED' THEN at END) AS created,
            MIN(CASE WHEN summary = 'ENTITLEMENT_ACTIVE' THEN at END) AS active
        FROM audit_log WHERE kind = 'event' AND at >= \(since) GROUP BY subject
        """
    }

    /// Seconds from purchase to activation, for entitlements whose both events are in the window.
    static func activationSeconds(_ row: any StoreRow) throws -> Double? {
        guard let created = try row.get("created", as: Int64?.self),
            let active = try row.get("active", as: Int64?.self),
            active >= created
        else { return nil }
        return Double(active - created) / 1_000_000
    }

    /// The days' totals kept as operations are reported (`UsageLedgerSQL.addBilled`), from the
    /// day `since` falls in: a row per day and metric, whatever the ledger holds.
    static func billed(since: Timestamp) -> StoreSQL {
        let firstDay = Timestamp(micros: ReportedUsage.dayStart(since.micros))
        return """
            SELECT day_start / 1000000 AS day, metric, quantity FROM usage_billed_day
            WHERE day_start >= \(firstDay) ORDER BY day_start, metric
            """
    }

    static func billed(_ row: any StoreRow) throws -> ConsoleActivity.Billed {
        ConsoleActivity.Billed(
            day: try row.get("day"),
            metric: try row.get("metric"),
            quantity: try row.get("quantity")
        )
    }
}
