import MarketplaceCore

/// Replicas' leases on subjects (`Store.acquireSubject`): a row per subject, on PostgreSQL only.
enum SubjectLeaseSQL {
    /// One row back when `holder` has the subject now: it was free, its lease had run out, or it
    /// was `holder`'s already (a renewal).
    static func acquire(_ lease: SubjectLease, until: Timestamp, now: Timestamp) -> StoreSQL {
        let sql: StoreSQL = """
            INSERT INTO subject_lease (subject, holder, until) VALUES (\(lease.subject), \(lease.holder), \(until))
            ON CONFLICT (subject) DO UPDATE SET holder = excluded.holder, until = excluded.until
            WHERE subject_lease.until <= \(now) OR subject_lease.holder = excluded.holder
            RETURNING 1
            """
        return sql.onlyOnPostgres
    }

    /// One row back when `holder` still had it. Never takes a lease that was given back: a
    /// renewal racing the commit that gave it back must not leave it held.
    static func renew(_ lease: SubjectLease, until: Timestamp) -> StoreSQL {
        let sql: StoreSQL = """
            UPDATE subject_lease SET until = \(until) WHERE subject = \(lease.subject) AND holder = \(lease.holder)
            RETURNING 1
            """
        return sql.onlyOnPostgres
    }

    static func release(_ lease: SubjectLease) -> StoreSQL {
        let sql: StoreSQL = "DELETE FROM subject_lease WHERE subject = \(lease.subject) AND holder = \(lease.holder)"
        return sql.onlyOnPostgres
    }
}
