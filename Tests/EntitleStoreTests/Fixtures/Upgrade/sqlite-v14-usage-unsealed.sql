-- An Entitle SQLite store, written by SchemaUpgradeTests. Load it, do not edit it.
CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
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
, update_time INTEGER);
CREATE TABLE entitlement (
    id TEXT PRIMARY KEY,
    account_id TEXT,
    product TEXT,
    plan TEXT,
    state TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    record TEXT NOT NULL,
    updated_at INTEGER NOT NULL
, update_time INTEGER);
CREATE INDEX entitlement_account ON entitlement(account_id);
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
, subject TEXT NOT NULL DEFAULT '', claimed_by TEXT, claimed_until INTEGER);
CREATE INDEX outbox_due ON outbox(status, next_attempt_at);
CREATE TABLE signup_session (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    user_identity TEXT,
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    completed_at INTEGER
, roles TEXT NOT NULL DEFAULT '[]', orders TEXT NOT NULL DEFAULT '[]', browser_hash TEXT, proposal_hash TEXT, proposal TEXT, token_hash TEXT);
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
    operation_id TEXT, time_given INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (app, idempotency_key)
);
CREATE INDEX usage_record_unsealed ON usage_record(operation_id, entitlement_id, window_start);
CREATE TABLE usage_cursor (
    entitlement_id TEXT PRIMARY KEY,
    sealed_until INTEGER NOT NULL,
    reported_until INTEGER,
    final INTEGER NOT NULL DEFAULT 0,
    blocked_reason TEXT,
    blocked_at INTEGER
, sealing_error TEXT, sealing_error_at INTEGER);
CREATE TABLE "usage_operation" (
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
CREATE UNIQUE INDEX usage_operation_window ON usage_operation(entitlement_id, metric, labels, window_start)
    WHERE status != 'superseded';
CREATE INDEX usage_operation_status ON usage_operation(status, window_start);
CREATE INDEX usage_operation_entitlement ON usage_operation(entitlement_id, window_start);
CREATE TABLE usage_reporting (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    blocked_reason TEXT,
    blocked_at INTEGER
);
CREATE INDEX outbox_subject ON outbox(subject, status);
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
CREATE INDEX inbox_processed ON inbox(processed_at);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX poison_received ON poison_message(received_at);
CREATE INDEX dead_letter_at ON dead_letter(dead_lettered_at);
CREATE INDEX delivery_failure_last ON delivery_failure(last_failed_at);
CREATE INDEX usage_record_accepted ON usage_record(accepted_at);
CREATE INDEX outbox_created ON outbox(created_at);
CREATE INDEX signup_session_expiry ON signup_session(expires_at);
CREATE TABLE handoff (
    code_hash TEXT PRIMARY KEY,
    app TEXT NOT NULL,
    account_id TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    redeemed_at INTEGER
, challenge TEXT, person TEXT);
CREATE INDEX handoff_expiry ON handoff(expires_at);
CREATE TABLE console_session (
    id_hash TEXT PRIMARY KEY,
    csrf_token TEXT NOT NULL,
    actor TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX console_session_expiry ON console_session(expires_at);
CREATE INDEX audit_log_kind_at ON audit_log(kind, at);
CREATE INDEX entitlement_state ON entitlement(state, id);
CREATE INDEX signup_session_browser ON signup_session(browser_hash);
CREATE UNIQUE INDEX signup_session_proposal ON signup_session(proposal_hash);
CREATE TABLE person (
    account_id TEXT NOT NULL,
    identity TEXT NOT NULL,
    roles TEXT NOT NULL,
    orders TEXT NOT NULL,
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    PRIMARY KEY (account_id, identity)
);
CREATE INDEX signup_session_token ON signup_session(token_hash);
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
INSERT INTO grdb_migrations VALUES ('v1');
INSERT INTO grdb_migrations VALUES ('v2-usage');
INSERT INTO grdb_migrations VALUES ('v3-usage-time-given');
INSERT INTO grdb_migrations VALUES ('v4-usage-isolation');
INSERT INTO grdb_migrations VALUES ('v5-outbox-subject');
INSERT INTO grdb_migrations VALUES ('v6-dead-letters');
INSERT INTO grdb_migrations VALUES ('v7-retention');
INSERT INTO grdb_migrations VALUES ('v8-versions-and-claims');
INSERT INTO grdb_migrations VALUES ('v8-handoffs');
INSERT INTO grdb_migrations VALUES ('v9-console');
INSERT INTO grdb_migrations VALUES ('v10-entitlement-state-order');
INSERT INTO grdb_migrations VALUES ('v11-browser-bound-codes');
INSERT INTO grdb_migrations VALUES ('v12-signup-token-hash');
INSERT INTO grdb_migrations VALUES ('v13-agent-client');
INSERT INTO grdb_migrations VALUES ('v14-usage-unsealed');
INSERT INTO customer VALUES ('upgrade-customer-1', 'customer.company.1', 'customer.contact_name.1', 'customer.email.1', 1700000003788601, 1700000006919031);
INSERT INTO customer VALUES ('upgrade-customer-2', 'customer.company.2', 'customer.contact_name.2', 'customer.email.2', 1700000003788602, 1700000006919032);
INSERT INTO account VALUES ('upgrade-account-1', 'upgrade-customer-1', '{"id":"upgrade-account-1","isErased":false,"isSignedUp":true,"signupApproval":"APPROVED"}', 1700000000784681, 1700000006665861, 1700000008470151, 1700000002729771);
INSERT INTO account VALUES ('upgrade-account-2', 'upgrade-customer-2', '{"id":"upgrade-account-2","isErased":false,"isSignedUp":true,"signupApproval":"APPROVED"}', 1700000000784682, 1700000006665862, 1700000008470152, 1700000002729772);
INSERT INTO entitlement VALUES ('upgrade-entitlement-1', 'upgrade-account-1', 'upgrade-product', 'plan-1', 'ENTITLEMENT_ACTIVE', 1700000000979261, '{"accountID":"upgrade-account-1","id":"upgrade-entitlement-1","isDeleted":false,"resource":{"account":"providers\/DEMO\/accounts\/upgrade-account-1","name":"providers\/DEMO\/entitlements\/upgrade-entitlement-1","plan":"plan-1","product":"upgrade-product","state":"ENTITLEMENT_ACTIVE"}}', 1700000007237261, 1700000004510301);
INSERT INTO entitlement VALUES ('upgrade-entitlement-2', 'upgrade-account-2', 'upgrade-product', 'plan-2', 'ENTITLEMENT_ACTIVE', 1700000000979262, '{"accountID":"upgrade-account-2","id":"upgrade-entitlement-2","isDeleted":false,"resource":{"account":"providers\/DEMO\/accounts\/upgrade-account-2","name":"providers\/DEMO\/entitlements\/upgrade-entitlement-2","plan":"plan-2","product":"upgrade-product","state":"ENTITLEMENT_ACTIVE"}}', 1700000007237262, 1700000004510302);
INSERT INTO inbox VALUES ('inbox.event_id.1', 1700000004830021);
INSERT INTO inbox VALUES ('inbox.event_id.2', 1700000004830022);
INSERT INTO poison_message VALUES (1700000003014361, 'poison_message.message_id.1', X'706f69736f6e5f6d6573736167652e646174612e31', '{"eventType":"ENTITLEMENT_ACTIVE"}', 'poison_message.reason.1', 1700000009602201);
INSERT INTO poison_message VALUES (1700000003014362, 'poison_message.message_id.2', X'706f69736f6e5f6d6573736167652e646174612e32', '{"eventType":"ENTITLEMENT_ACTIVE"}', 'poison_message.reason.2', 1700000009602202);
INSERT INTO sqlite_sequence VALUES ('audit_log', 1700000000732482);
INSERT INTO sqlite_sequence VALUES ('dead_letter', 1700000009073952);
INSERT INTO sqlite_sequence VALUES ('poison_message', 1700000003014362);
INSERT INTO audit_log VALUES (1700000000732481, 1700000000730161, 'action', 'entitlements/upgrade-entitlement-1', 'audit_log.event_id.1', 'audit_log.summary.1', 'audit_log.payload.1');
INSERT INTO audit_log VALUES (1700000000732482, 1700000000730162, 'action', 'entitlements/upgrade-entitlement-2', 'audit_log.event_id.2', 'audit_log.summary.2', 'audit_log.payload.2');
INSERT INTO outbox VALUES ('outbox.id.1', 'entitlement.activated', 'upgrade-account-1', 'upgrade-entitlement-1', '{"type":"entitlement.activated","n":1}', 1700000007604681, 1700000009193481, 1, 1700000007359891, 'pending', 1700000008752431, 'outbox.last_error.1', 'entitlements/upgrade-entitlement-1', 'outbox.claimed_by.1', 1700000001954211);
INSERT INTO outbox VALUES ('outbox.id.2', 'entitlement.activated', 'upgrade-account-2', 'upgrade-entitlement-2', '{"type":"entitlement.activated","n":2}', 1700000007604682, 1700000009193482, 2, 1700000007359892, 'delivered', 1700000008752432, 'outbox.last_error.2', 'entitlements/upgrade-entitlement-2', 'outbox.claimed_by.2', 1700000001954212);
INSERT INTO signup_session VALUES ('signup_session.id.1', 'upgrade-account-1', 'signup_session.user_identity.1', 'signup_session.csrf_token.1', 1700000004084731, 1700000000093991, 1700000005752791, 'signup_session.roles.1', 'signup_session.orders.1', 'signup_session.browser_hash.1', 'signup_session.proposal_hash.1', 'signup_session.proposal.1', 'signup_session.token_hash.1');
INSERT INTO signup_session VALUES ('signup_session.id.2', 'upgrade-account-2', 'signup_session.user_identity.2', 'signup_session.csrf_token.2', 1700000004084732, 1700000000093992, 1700000005752792, 'signup_session.roles.2', 'signup_session.orders.2', 'signup_session.browser_hash.2', 'signup_session.proposal_hash.2', 'signup_session.proposal.2', 'signup_session.token_hash.2');
INSERT INTO usage_record VALUES ('usage_record.app.1', 'usage_record.idempotency_key.1', 'upgrade-entitlement-1', 'api_calls', '{"region":"r1"}', 10, 1700000003508231, 1700000005959221, 1700000009372551, 'usage_record.operation_id.1', 1700000003961781);
INSERT INTO usage_record VALUES ('usage_record.app.2', 'usage_record.idempotency_key.2', 'upgrade-entitlement-2', 'api_calls', '{"region":"r2"}', 20, 1700000003508232, 1700000005959222, 1700000009372552, 'usage_record.operation_id.2', 1700000003961782);
INSERT INTO usage_cursor VALUES ('upgrade-entitlement-1', 1700000001029681, 1700000003232841, 1700000009666831, 'usage_cursor.blocked_reason.1', 1700000008719961, 'usage_cursor.sealing_error.1', 1700000000092881);
INSERT INTO usage_cursor VALUES ('upgrade-entitlement-2', 1700000001029682, 1700000003232842, 1700000009666832, 'usage_cursor.blocked_reason.2', 1700000008719962, 'usage_cursor.sealing_error.2', 1700000000092882);
INSERT INTO usage_operation VALUES ('usage_operation.id.1', 'upgrade-entitlement-1', 'api_calls', '{"region":"r1"}', 1700000005852091, 1700000008516951, 10, 'pending', 1, 'usage_operation.last_error.1', 1700000006974081, 1700000003650471, 1700000004353591);
INSERT INTO usage_operation VALUES ('usage_operation.id.2', 'upgrade-entitlement-2', 'api_calls', '{"region":"r2"}', 1700000005852092, 1700000008516952, 20, 'reported', 2, 'usage_operation.last_error.2', 1700000006974082, 1700000003650472, 1700000004353592);
INSERT INTO usage_reporting VALUES (1, 'usage_reporting.blocked_reason.1', 1700000007595371);
INSERT INTO delivery_failure VALUES ('delivery_failure.message_key.1', 1, 1700000003718041, 1700000004842661, 'delivery_failure.last_error.1');
INSERT INTO delivery_failure VALUES ('delivery_failure.message_key.2', 2, 1700000003718042, 1700000004842662, 'delivery_failure.last_error.2');
INSERT INTO dead_letter VALUES (1700000009073951, 'dead_letter.message_id.1', 'dead_letter.event_id.1', 'entitlements/upgrade-entitlement-1', X'646561645f6c65747465722e646174612e31', '{"eventType":"ENTITLEMENT_ACTIVE"}', 'dead_letter.error.1', 1, 1700000005012191, 1700000009545141, 1700000009997891, 'dead_letter.replay_error.1');
INSERT INTO dead_letter VALUES (1700000009073952, 'dead_letter.message_id.2', 'dead_letter.event_id.2', 'entitlements/upgrade-entitlement-2', X'646561645f6c65747465722e646174612e32', '{"eventType":"ENTITLEMENT_ACTIVE"}', 'dead_letter.error.2', 2, 1700000005012192, 1700000009545142, 1700000009997892, 'dead_letter.replay_error.2');
INSERT INTO handoff VALUES ('handoff.code_hash.1', 'handoff.app.1', 'upgrade-account-1', 'upgrade-customer-1', 1700000009874631, 1700000005883891, 1700000004493001, 'handoff.challenge.1', 'handoff.person.1');
INSERT INTO handoff VALUES ('handoff.code_hash.2', 'handoff.app.2', 'upgrade-account-2', 'upgrade-customer-2', 1700000009874632, 1700000005883892, 1700000004493002, 'handoff.challenge.2', 'handoff.person.2');
INSERT INTO console_session VALUES ('console_session.id_hash.1', 'console_session.csrf_token.1', 'console_session.actor.1', 1700000004110811, 1700000000120071);
INSERT INTO console_session VALUES ('console_session.id_hash.2', 'console_session.csrf_token.2', 'console_session.actor.2', 1700000004110812, 1700000000120072);
INSERT INTO person VALUES ('person.account_id.1', 'person.identity.1', 'person.roles.1', 'person.orders.1', 1700000007556641, 1700000002210781);
INSERT INTO person VALUES ('person.account_id.2', 'person.identity.2', 'person.roles.2', 'person.orders.2', 1700000007556642, 1700000002210782);
INSERT INTO agent_client VALUES ('agent_client.entitlement_id.1', 'agent_client.account_id.1', 'agent_client.redirect_uris.1', 'agent_client.state.1', 'agent_client.client_id.1', 'agent_client.sealed_credentials.1', 'agent_client.claimant.1', 1700000009245871, 1700000004102971, 1700000000779211);
INSERT INTO agent_client VALUES ('agent_client.entitlement_id.2', 'agent_client.account_id.2', 'agent_client.redirect_uris.2', 'agent_client.state.2', 'agent_client.client_id.2', 'agent_client.sealed_credentials.2', 'agent_client.claimant.2', 1700000009245872, 1700000004102972, 1700000000779212);
INSERT INTO usage_unsealed VALUES ('usage_unsealed.entitlement_id.1', 'usage_unsealed.metric.1', '{"region":"r1"}', 1700000003646081, 1700000004158171, 1700000009322281, 1700000006524951);
INSERT INTO usage_unsealed VALUES ('usage_unsealed.entitlement_id.2', 'usage_unsealed.metric.2', '{"region":"r2"}', 1700000003646082, 1700000004158172, 1700000009322282, 1700000006524952);
