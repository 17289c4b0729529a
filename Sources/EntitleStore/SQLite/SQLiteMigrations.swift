import Foundation
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
        // Usage metering. Times are microseconds since the epoch, like v1's.
        migrator.registerMigration("v2-usage") { db in
            try db.execute(
                sql: """
                    CREATE TABLE usage_record (
                        app TEXT NOT NULL,
                        idempotency_key TEXT NOT NULL,
                        entitlement_id TEXT NOT NULL,
                        metric TEXT NOT NULL,
                        labels TEXT NOT NULL,
                        quantity INTEGER NOT NULL,
                        usage_time INTEGER NOT NULL,
                        window_start INTEGER NOT NULL,
                        accepted_at INTEGER NOT NULL,
                        operation_id TEXT,
                        PRIMARY KEY (app, idempotency_key)
                    );
                    CREATE INDEX usage_record_unsealed ON usage_record(operation_id, entitlement_id, window_start);
                    CREATE TABLE usage_operation (
                        id TEXT PRIMARY KEY,
                        entitlement_id TEXT NOT NULL,
                        metric TEXT NOT NULL,
                        labels TEXT NOT NULL,
                        window_start INTEGER NOT NULL,
                        window_end INTEGER NOT NULL,
                        quantity INTEGER NOT NULL,
                        status TEXT NOT NULL,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        last_error TEXT,
                        created_at INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL,
                        reported_at INTEGER,
                        UNIQUE (entitlement_id, metric, labels, window_start)
                    );
                    CREATE INDEX usage_operation_status ON usage_operation(status, window_start);
                    CREATE TABLE usage_cursor (
                        entitlement_id TEXT PRIMARY KEY,
                        sealed_until INTEGER NOT NULL,
                        reported_until INTEGER,
                        final INTEGER NOT NULL DEFAULT 0,
                        blocked_reason TEXT,
                        blocked_at INTEGER
                    );
                    """
            )
        }
        // Idempotency compares what the app sent, so whether it sent a time is kept.
        migrator.registerMigration("v3-usage-time-given") { db in
            try db.execute(sql: "ALTER TABLE usage_record ADD COLUMN time_given INTEGER NOT NULL DEFAULT 1")
        }
        // An operation sealed before Entitle learned of a cancellation is superseded by
        // one clipped at the cancellation, for the same window start: the window is unique only
        // among operations that still count. Sealing failures are recorded per entitlement, and a
        // refusal of Entitle's access to Service Control blocks reporting as a whole.
        migrator.registerMigration("v4-usage-isolation") { db in
            try db.execute(
                sql: """
                    CREATE TABLE usage_operation_v4 (
                        id TEXT PRIMARY KEY,
                        entitlement_id TEXT NOT NULL,
                        metric TEXT NOT NULL,
                        labels TEXT NOT NULL,
                        window_start INTEGER NOT NULL,
                        window_end INTEGER NOT NULL,
                        quantity INTEGER NOT NULL,
                        status TEXT NOT NULL,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        last_error TEXT,
                        created_at INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL,
                        reported_at INTEGER
                    );
                    INSERT INTO usage_operation_v4 SELECT id, entitlement_id, metric, labels, window_start, window_end, quantity, status,
                        attempts, last_error, created_at, updated_at, reported_at FROM usage_operation;
                    DROP TABLE usage_operation;
                    ALTER TABLE usage_operation_v4 RENAME TO usage_operation;
                    CREATE UNIQUE INDEX usage_operation_window ON usage_operation(entitlement_id, metric, labels, window_start)
                        WHERE status != 'superseded';
                    CREATE INDEX usage_operation_status ON usage_operation(status, window_start);
                    CREATE INDEX usage_operation_entitlement ON usage_operation(entitlement_id, window_start);
                    ALTER TABLE usage_cursor ADD COLUMN sealing_error TEXT;
                    ALTER TABLE usage_cursor ADD COLUMN sealing_error_at INTEGER;
                    CREATE TABLE usage_reporting (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        blocked_reason TEXT,
                        blocked_at INTEGER
                    );
                    """
            )
        }
        // Callbacks go out in order per subject (an entitlement, an account): the next
        // waits while an earlier one is pending or retrying. Rows keep their insertion order (rowid).
        migrator.registerMigration("v5-outbox-subject") { db in
            try db.execute(
                sql: """
                    ALTER TABLE outbox ADD COLUMN subject TEXT NOT NULL DEFAULT '';
                    UPDATE outbox SET subject = CASE WHEN entitlement_id IS NOT NULL THEN 'entitlements/' || entitlement_id
                        WHEN account_id IS NOT NULL THEN 'accounts/' || account_id ELSE kind END;
                    CREATE INDEX outbox_subject ON outbox(subject, status);
                    """
            )
        }
        // A notification that keeps failing is counted, handed back with a growing
        // delay and, after enough attempts, dead-lettered: kept with its error, acked, replayable.
        migrator.registerMigration("v6-dead-letters") { db in
            try db.execute(
                sql: """
                    CREATE TABLE delivery_failure (
                        message_key TEXT PRIMARY KEY,
                        attempts INTEGER NOT NULL,
                        first_failed_at INTEGER NOT NULL,
                        last_failed_at INTEGER NOT NULL,
                        last_error TEXT NOT NULL
                    );
                    CREATE TABLE dead_letter (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        message_id TEXT,
                        event_id TEXT,
                        subject TEXT,
                        data BLOB NOT NULL,
                        attributes TEXT NOT NULL,
                        error TEXT NOT NULL,
                        attempts INTEGER NOT NULL,
                        first_failed_at INTEGER NOT NULL,
                        dead_lettered_at INTEGER NOT NULL,
                        replayed_at INTEGER,
                        replay_error TEXT
                    );
                    """
            )
        }
        // Rows are pruned by age; these find the old ones without a scan.
        migrator.registerMigration("v7-retention") { db in
            try db.execute(
                sql: """
                    CREATE INDEX inbox_processed ON inbox(processed_at);
                    CREATE INDEX audit_log_at ON audit_log(at);
                    CREATE INDEX poison_received ON poison_message(received_at);
                    CREATE INDEX dead_letter_at ON dead_letter(dead_lettered_at);
                    CREATE INDEX delivery_failure_last ON delivery_failure(last_failed_at);
                    CREATE INDEX usage_record_accepted ON usage_record(accepted_at);
                    CREATE INDEX outbox_created ON outbox(created_at);
                    CREATE INDEX signup_session_expiry ON signup_session(expires_at);
                    """
            )
        }
        // The newer updateTime wins whatever the commit order (a version guard on the
        // upserts), and callbacks are claimed for a while by whoever sends them.
        migrator.registerMigration("v8-versions-and-claims") { db in
            try db.execute(
                sql: """
                    ALTER TABLE entitlement ADD COLUMN update_time INTEGER;
                    ALTER TABLE account ADD COLUMN update_time INTEGER;
                    ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
                    ALTER TABLE outbox ADD COLUMN claimed_until INTEGER;
                    """
            )
        }
        // One-time codes handing a signed-up buyer to the vendor's app (hashes only).
        migrator.registerMigration("v8-handoffs") { db in
            try db.execute(
                sql: """
                    CREATE TABLE handoff (
                        code_hash TEXT PRIMARY KEY,
                        app TEXT NOT NULL,
                        account_id TEXT NOT NULL,
                        customer_id TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        expires_at INTEGER NOT NULL,
                        redeemed_at INTEGER
                    );
                    CREATE INDEX handoff_expiry ON handoff(expires_at);
                    """
            )
        }
        // Admin console sessions (hashes only), and the overview's counts by kind and time.
        migrator.registerMigration("v9-console") { db in
            try db.execute(
                sql: """
                    CREATE TABLE console_session (
                        id_hash TEXT PRIMARY KEY,
                        csrf_token TEXT NOT NULL,
                        actor TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        expires_at INTEGER NOT NULL
                    );
                    CREATE INDEX console_session_expiry ON console_session(expires_at);
                    CREATE INDEX audit_log_kind_at ON audit_log(kind, at);
                    """
            )
        }
        // The resync lists entitlements by state in id order: the index gives that order, as
        // PostgreSQL's does (a SQLite index otherwise ends with the rowid, not the id).
        migrator.registerMigration("v10-entitlement-state-order") { db in
            try db.execute(
                sql: """
                    DROP INDEX entitlement_state;
                    CREATE INDEX entitlement_state ON entitlement(state, id);
                    """
            )
        }
        // Codes bound to the browser that brought the sign-up token; the people of each account.
        // Session ids were kept as given; from now on only their hashes are, so the sessions open at
        // the upgrade (minutes long) are removed: their buyers start again from Marketplace.
        migrator.registerMigration("v11-browser-bound-codes") { db in
            try db.execute(
                sql: """
                    DELETE FROM signup_session;
                    ALTER TABLE signup_session ADD COLUMN roles TEXT NOT NULL DEFAULT '[]';
                    ALTER TABLE signup_session ADD COLUMN orders TEXT NOT NULL DEFAULT '[]';
                    ALTER TABLE signup_session ADD COLUMN browser_hash TEXT;
                    ALTER TABLE signup_session ADD COLUMN proposal_hash TEXT;
                    ALTER TABLE signup_session ADD COLUMN proposal TEXT;
                    CREATE INDEX signup_session_browser ON signup_session(browser_hash);
                    CREATE UNIQUE INDEX signup_session_proposal ON signup_session(proposal_hash);
                    ALTER TABLE handoff ADD COLUMN challenge TEXT;
                    ALTER TABLE handoff ADD COLUMN person TEXT;
                    CREATE TABLE person (
                        account_id TEXT NOT NULL,
                        identity TEXT NOT NULL,
                        roles TEXT NOT NULL,
                        orders TEXT NOT NULL,
                        first_seen INTEGER NOT NULL,
                        last_seen INTEGER NOT NULL,
                        PRIMARY KEY (account_id, identity)
                    );
                    """
            )
        }
        // The hash of the token that opened each sign-up session: a completed sign-up's token
        // opens no other (sessions of older tokens have none, and end within minutes).
        migrator.registerMigration("v12-signup-token-hash") { db in
            try db.execute(
                sql: """
                    ALTER TABLE signup_session ADD COLUMN token_hash TEXT;
                    CREATE INDEX signup_session_token ON signup_session(token_hash);
                    """
            )
        }
        // Gemini Enterprise's OAuth client of each agent order (Dynamic Client Registration).
        migrator.registerMigration("v13-agent-client") { db in
            try db.execute(
                sql: """
                    CREATE TABLE agent_client (
                        entitlement_id TEXT PRIMARY KEY,
                        account_id TEXT NOT NULL,
                        redirect_uris TEXT NOT NULL,
                        state TEXT NOT NULL,
                        client_id TEXT,
                        sealed_credentials TEXT,
                        claimant TEXT,
                        claimed_at INTEGER NOT NULL,
                        registered_at INTEGER,
                        ended_at INTEGER
                    );
                    CREATE UNIQUE INDEX agent_client_client ON agent_client(client_id);
                    CREATE INDEX agent_client_state ON agent_client(state, entitlement_id);
                    """
            )
        }
        // Each open window's unsealed total, kept as records are taken in and sealed, so that intake
        // checks a window's sum (and the usage pages list it) at the cost of one row, not of every
        // record the window holds. Filled from the records unsealed at the upgrade.
        migrator.registerMigration("v14-usage-unsealed") { db in
            try db.execute(
                sql: """
                    CREATE TABLE usage_unsealed (
                        entitlement_id TEXT NOT NULL,
                        metric TEXT NOT NULL,
                        labels TEXT NOT NULL,
                        window_start INTEGER NOT NULL,
                        high_sum INTEGER NOT NULL,
                        low_sum INTEGER NOT NULL,
                        records INTEGER NOT NULL,
                        PRIMARY KEY (entitlement_id, metric, labels, window_start)
                    );
                    \(UsageIntakeSQL.fillUnsealed);
                    """
            )
        }
        // Costs bounded by what is live: each day's billed total per metric, kept as operations
        // are reported (the console's chart read the whole window of the ledger), and callbacks
        // by status in time order (the console's filtered list read every callback).
        migrator.registerMigration("v15-billed-days") { db in
            try db.execute(
                sql: """
                    CREATE TABLE usage_billed_day (
                        day_start INTEGER NOT NULL,
                        metric TEXT NOT NULL,
                        quantity REAL NOT NULL,
                        PRIMARY KEY (day_start, metric)
                    );
                    \(UsageLedgerSQL.fillBilled);
                    CREATE INDEX outbox_status_created ON outbox(status, created_at);
                    """
            )
        }
        return migrator
    }
}
