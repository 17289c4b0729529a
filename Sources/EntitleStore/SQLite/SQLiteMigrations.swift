import GRDB

/// The schema, one migration per version. Migrations only ever get appended: a database made by
/// an older Entitle is brought forward on open.
enum SQLiteMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE customer (
                        id TEXT PRIMARY KEY,
                        company TEXT,
                        contact_name TEXT,
                        email TEXT,
                        created_at INTEGER NOT NULL,
                        erased_at INTEGER
                    );
                    CREATE TABLE account (
                        id TEXT PRIMARY KEY,
                        customer_id TEXT REFERENCES customer(id),
                        record TEXT NOT NULL,
                        signed_up INTEGER NOT NULL DEFAULT 0,
                        erased INTEGER NOT NULL DEFAULT 0,
                        updated_at INTEGER NOT NULL
                    );
                    CREATE TABLE entitlement (
                        id TEXT PRIMARY KEY,
                        account_id TEXT,
                        product TEXT,
                        plan TEXT,
                        state TEXT,
                        deleted INTEGER NOT NULL DEFAULT 0,
                        record TEXT NOT NULL,
                        updated_at INTEGER NOT NULL
                    );
                    CREATE INDEX entitlement_account ON entitlement(account_id);
                    CREATE INDEX entitlement_state ON entitlement(state);
                    CREATE TABLE inbox (
                        event_id TEXT PRIMARY KEY,
                        processed_at INTEGER NOT NULL
                    );
                    CREATE TABLE poison_message (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        message_id TEXT,
                        data BLOB NOT NULL,
                        attributes TEXT NOT NULL,
                        reason TEXT NOT NULL,
                        received_at INTEGER NOT NULL
                    );
                    CREATE TABLE audit_log (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        at INTEGER NOT NULL,
                        kind TEXT NOT NULL,
                        subject TEXT NOT NULL,
                        event_id TEXT,
                        summary TEXT NOT NULL,
                        payload TEXT
                    );
                    CREATE INDEX audit_log_subject ON audit_log(subject, id);
                    CREATE TABLE outbox (
                        id TEXT PRIMARY KEY,
                        kind TEXT NOT NULL,
                        account_id TEXT,
                        entitlement_id TEXT,
                        body TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        queued_at INTEGER NOT NULL,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        next_attempt_at INTEGER NOT NULL,
                        status TEXT NOT NULL,
                        delivered_at INTEGER,
                        last_error TEXT
                    );
                    CREATE INDEX outbox_due ON outbox(status, next_attempt_at);
                    CREATE TABLE signup_session (
                        id TEXT PRIMARY KEY,
                        account_id TEXT NOT NULL,
                        user_identity TEXT,
                        csrf_token TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        expires_at INTEGER NOT NULL,
                        completed_at INTEGER
                    );
                    """
            )
        }
        return migrator
    }
}
