import Logging
import PostgresNIO

/// PostgreSQL's schema, one migration per version, applied in order and recorded in
/// `entitle_migration`. Several replicas starting at once take turns: the migrations run under an
/// advisory lock, and each one in its own transaction. Times are microseconds since the epoch, as
/// in SQLite; the schema is SQLite's as of its v8, so both stores keep the same rows.
enum PostgresMigrations {
    /// `pg_advisory_lock` key of the migrations (any constant; Entitle's other locks differ).
    static let lockKey: Int64 = 0x656E_7469_746C_6501

    static let all: [(name: String, sql: [String])] = [
        (
            "v1",
            [
                """
                CREATE TABLE customer (
                    id TEXT PRIMARY KEY, company TEXT, contact_name TEXT, email TEXT, created_at BIGINT NOT NULL, erased_at BIGINT
                )
                """,
                """
                CREATE TABLE account (
                    id TEXT PRIMARY KEY, customer_id TEXT REFERENCES customer(id), record TEXT NOT NULL,
                    signed_up BOOLEAN NOT NULL DEFAULT FALSE, erased BOOLEAN NOT NULL DEFAULT FALSE, update_time BIGINT,
                    updated_at BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE entitlement (
                    id TEXT PRIMARY KEY, account_id TEXT, product TEXT, plan TEXT, state TEXT, deleted BOOLEAN NOT NULL DEFAULT FALSE,
                    record TEXT NOT NULL, update_time BIGINT, updated_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX entitlement_account ON entitlement(account_id)",
                "CREATE INDEX entitlement_state ON entitlement(state, id)",
                "CREATE TABLE inbox (event_id TEXT PRIMARY KEY, processed_at BIGINT NOT NULL)",
                "CREATE INDEX inbox_processed ON inbox(processed_at)",
                """
                CREATE TABLE poison_message (
                    id BIGSERIAL PRIMARY KEY, message_id TEXT, data BYTEA NOT NULL, attributes TEXT NOT NULL, reason TEXT NOT NULL,
                    received_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX poison_received ON poison_message(received_at)",
                """
                CREATE TABLE audit_log (
                    id BIGSERIAL PRIMARY KEY, at BIGINT NOT NULL, kind TEXT NOT NULL, subject TEXT NOT NULL, event_id TEXT,
                    summary TEXT NOT NULL, payload TEXT
                )
                """,
                "CREATE INDEX audit_log_subject ON audit_log(subject, id)",
                "CREATE INDEX audit_log_at ON audit_log(at)",
                """
                CREATE TABLE outbox (
                    seq BIGSERIAL NOT NULL, id TEXT PRIMARY KEY, kind TEXT NOT NULL, account_id TEXT, entitlement_id TEXT,
                    subject TEXT NOT NULL, body TEXT NOT NULL, created_at BIGINT NOT NULL, queued_at BIGINT NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at BIGINT NOT NULL, status TEXT NOT NULL, delivered_at BIGINT,
                    last_error TEXT, claimed_by TEXT, claimed_until BIGINT
                )
                """,
                "CREATE INDEX outbox_due ON outbox(status, next_attempt_at)",
                "CREATE INDEX outbox_subject ON outbox(subject, status, seq)",
                "CREATE INDEX outbox_created ON outbox(created_at)",
                """
                CREATE TABLE signup_session (
                    id TEXT PRIMARY KEY, account_id TEXT NOT NULL, user_identity TEXT, csrf_token TEXT NOT NULL,
                    created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, completed_at BIGINT
                )
                """,
                "CREATE INDEX signup_session_expiry ON signup_session(expires_at)",
                """
                CREATE TABLE usage_record (
                    app TEXT NOT NULL, idempotency_key TEXT NOT NULL, entitlement_id TEXT NOT NULL, metric TEXT NOT NULL,
                    labels TEXT NOT NULL, quantity BIGINT NOT NULL, usage_time BIGINT NOT NULL, time_given BOOLEAN NOT NULL DEFAULT TRUE,
                    window_start BIGINT NOT NULL, accepted_at BIGINT NOT NULL, operation_id TEXT, PRIMARY KEY (app, idempotency_key)
                )
                """,
                "CREATE INDEX usage_record_unsealed ON usage_record(operation_id, entitlement_id, window_start)",
                "CREATE INDEX usage_record_accepted ON usage_record(accepted_at)",
                """
                CREATE TABLE usage_operation (
                    id TEXT PRIMARY KEY, entitlement_id TEXT NOT NULL, metric TEXT NOT NULL, labels TEXT NOT NULL,
                    window_start BIGINT NOT NULL, window_end BIGINT NOT NULL, quantity BIGINT NOT NULL, status TEXT NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
                    reported_at BIGINT
                )
                """,
                """
                CREATE UNIQUE INDEX usage_operation_window ON usage_operation(entitlement_id, metric, labels, window_start)
                    WHERE status != 'superseded'
                """,
                "CREATE INDEX usage_operation_status ON usage_operation(status, window_start)",
                "CREATE INDEX usage_operation_entitlement ON usage_operation(entitlement_id, window_start)",
                """
                CREATE TABLE usage_cursor (
                    entitlement_id TEXT PRIMARY KEY, sealed_until BIGINT NOT NULL, reported_until BIGINT,
                    final BOOLEAN NOT NULL DEFAULT FALSE, blocked_reason TEXT, blocked_at BIGINT, sealing_error TEXT, sealing_error_at BIGINT
                )
                """,
                "CREATE TABLE usage_reporting (id INTEGER PRIMARY KEY CHECK (id = 1), blocked_reason TEXT, blocked_at BIGINT)",
                """
                CREATE TABLE delivery_failure (
                    message_key TEXT PRIMARY KEY, attempts INTEGER NOT NULL, first_failed_at BIGINT NOT NULL,
                    last_failed_at BIGINT NOT NULL, last_error TEXT NOT NULL
                )
                """,
                "CREATE INDEX delivery_failure_last ON delivery_failure(last_failed_at)",
                """
                CREATE TABLE dead_letter (
                    id BIGSERIAL PRIMARY KEY, message_id TEXT, event_id TEXT, subject TEXT, data BYTEA NOT NULL,
                    attributes TEXT NOT NULL, error TEXT NOT NULL, attempts INTEGER NOT NULL, first_failed_at BIGINT NOT NULL,
                    dead_lettered_at BIGINT NOT NULL, replayed_at BIGINT, replay_error TEXT
                )
                """,
                "CREATE INDEX dead_letter_at ON dead_letter(dead_lettered_at)",
                """
                CREATE TABLE leader (
                    id INTEGER PRIMARY KEY CHECK (id = 1), replica TEXT NOT NULL, since BIGINT NOT NULL, heartbeat BIGINT NOT NULL
                )
                """,
                "CREATE TABLE subject_lease (subject TEXT PRIMARY KEY, holder TEXT NOT NULL, until BIGINT NOT NULL)",
            ]
        ),
        // One-time codes handing a signed-up buyer to the vendor's app (hashes only).
        (
            name: "v2-handoffs",
            sql: [
                """
                CREATE TABLE handoff (
                    code_hash TEXT PRIMARY KEY, app TEXT NOT NULL, account_id TEXT NOT NULL, customer_id TEXT NOT NULL,
                    created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, redeemed_at BIGINT
                )
                """,
                "CREATE INDEX handoff_expiry ON handoff(expires_at)",
            ]
        ),
        // Admin console sessions (hashes only), and the overview's counts by kind and time.
        (
            name: "v3-console",
            sql: [
                """
                CREATE TABLE console_session (
                    id_hash TEXT PRIMARY KEY, csrf_token TEXT NOT NULL, actor TEXT NOT NULL, created_at BIGINT NOT NULL,
                    expires_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX console_session_expiry ON console_session(expires_at)",
                "CREATE INDEX audit_log_kind_at ON audit_log(kind, at)",
            ]
        ),
        // Codes bound to the browser that brought the sign-up token; the people of each account.
        // Session ids were kept as given; from now on only their hashes are, so the sessions open at
        // the upgrade (minutes long) are removed: their buyers start again from Marketplace.
        (
            name: "v4-browser-bound-codes",
            sql: [
                "DELETE FROM signup_session",
                "ALTER TABLE signup_session ADD COLUMN roles TEXT NOT NULL DEFAULT '[]'",
                "ALTER TABLE signup_session ADD COLUMN orders TEXT NOT NULL DEFAULT '[]'",
                "ALTER TABLE signup_session ADD COLUMN browser_hash TEXT",
                "ALTER TABLE signup_session ADD COLUMN proposal_hash TEXT",
                "ALTER TABLE signup_session ADD COLUMN proposal TEXT",
                "CREATE INDEX signup_session_browser ON signup_session(browser_hash)",
                "CREATE UNIQUE INDEX signup_session_proposal ON signup_session(proposal_hash)",
                "ALTER TABLE handoff ADD COLUMN challenge TEXT",
                "ALTER TABLE handoff ADD COLUMN person TEXT",
                """
                CREATE TABLE person (
                    account_id TEXT NOT NULL, identity TEXT NOT NULL, roles TEXT NOT NULL, orders TEXT NOT NULL,
                    first_seen BIGINT NOT NULL, last_seen BIGINT NOT NULL, PRIMARY KEY (account_id, identity)
                )
                """,
            ]
        ),
        // The hash of the token that opened each sign-up session: a completed sign-up's token
        // opens no other.
        (
            name: "v5-signup-token-hash",
            sql: [
                "ALTER TABLE signup_session ADD COLUMN token_hash TEXT",
                "CREATE INDEX signup_session_token ON signup_session(token_hash)",
            ]
        ),
        // Gemini Enterprise's OAuth client of each agent order (Dynamic Client Registration).
        (
            name: "v6-agent-client",
            sql: [
                """
                CREATE TABLE agent_client (
                    entitlement_id TEXT PRIMARY KEY, account_id TEXT NOT NULL, redirect_uris TEXT NOT NULL,
                    state TEXT NOT NULL, client_id TEXT, sealed_credentials TEXT, claimant TEXT,
                    claimed_at BIGINT NOT NULL, registered_at BIGINT, ended_at BIGINT
                )
                """,
                "CREATE UNIQUE INDEX agent_client_client ON agent_client(client_id)",
                "CREATE INDEX agent_client_state ON agent_client(state, entitlement_id)",
            ]
        ),
        // Each open window's unsealed total, kept as records are taken in and sealed.
        (
            name: "v7-usage-unsealed",
            sql: [
                """
                CREATE TABLE usage_unsealed (
                    entitlement_id TEXT NOT NULL, metric TEXT NOT NULL, labels TEXT NOT NULL,
                    window_start BIGINT NOT NULL, high_sum BIGINT NOT NULL, low_sum BIGINT NOT NULL,
                    records BIGINT NOT NULL, PRIMARY KEY (entitlement_id, metric, labels, window_start)
                )
                """,
                UsageIntakeSQL.fillUnsealed,
            ]
        ),
        // Each day's billed total per metric, kept as operations are reported; callbacks by status
        // in time order.
        (
            name: "v8-billed-days",
            sql: [
                """
                CREATE TABLE usage_billed_day (
                    day_start BIGINT NOT NULL, metric TEXT NOT NULL, quantity DOUBLE PRECISION NOT NULL,
                    PRIMARY KEY (day_start, metric)
                )
                """,
                UsageLedgerSQL.fillBilled,
                "CREATE INDEX outbox_status_created ON outbox(status, created_at)",
            ]
        ),
    ]

    /// The migrations recorded in `entitle_migration` (none before the first), known to this build or not.
    static func recorded(_ connection: PostgresConnection, logger: Logger) async throws -> [String] {
        var present = false
        for try await exists in try await connection.query(
            "SELECT to_regclass('entitle_migration') IS NOT NULL",
            logger: logger
        ).decode(Bool.self) {
            present = exists
        }
        guard present else { return [] }
        var names: [String] = []
        let rows = try await connection.query("SELECT name FROM entitle_migration", logger: logger)
        for try await name in rows.decode(String.self) { names.append(name) }
        return names
    }

    /// Applies what is missing, under the advisory lock, on one connection. A database a newer
    /// Entitle migrated is refused before anything is written.
    /// `through` stops after the named migration (upgrade tests build older schemas with it).
    static func migrate(_ client: PostgresClient, through last: String? = nil, logger: Logger) async throws {
        try await client.withConnection { connection in
            // A migration may rewrite a large table, and another replica's may hold the lock as
            // long: the store's per-statement bound is for serving, not for this.
            try await connection.query("SET statement_timeout = 0", logger: logger)
            try await connection.query("SELECT pg_advisory_lock(\(lockKey))", logger: logger)
            do {
                let present = try await recorded(connection, logger: logger)
                let status = SchemaStatus(known: all.map(\.name), present: present)
                try status.refuseNewer("PostgreSQL")
                try await connection.query(
                    "CREATE TABLE IF NOT EXISTS entitle_migration (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
                    logger: logger
                )
                let applied = Set(status.applied)
                let end = last.flatMap { name in all.firstIndex { $0.name == name } } ?? all.count - 1
                let wanted = all.prefix(through: end)
                for migration in wanted where !applied.contains(migration.name) {
                    try await connection.withTransaction(logger: logger) { transaction in
                        for statement in migration.sql {
                            try await transaction.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                        }
                        try await transaction.query(
                            "INSERT INTO entitle_migration (name) VALUES (\(migration.name))",
                            logger: logger
                        )
                    }
                    logger.info("migrated", metadata: ["migration": "\(migration.name)"])
                }
                try await connection.query("SELECT pg_advisory_unlock(\(lockKey))", logger: logger)
                try await connection.query("RESET statement_timeout", logger: logger)
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(\(lockKey))", logger: logger)
                _ = try? await connection.query("RESET statement_timeout", logger: logger)
                throw error
            }
        }
    }
}
