--
-- PostgreSQL database dump
--


-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: account; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.account (
    id text NOT NULL,
    customer_id text,
    record text NOT NULL,
    signed_up boolean DEFAULT false NOT NULL,
    erased boolean DEFAULT false NOT NULL,
    update_time bigint,
    updated_at bigint NOT NULL
);


--
-- Name: agent_client; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.agent_client (
    entitlement_id text NOT NULL,
    account_id text NOT NULL,
    redirect_uris text NOT NULL,
    state text NOT NULL,
    client_id text,
    sealed_credentials text,
    claimant text,
    claimed_at bigint NOT NULL,
    registered_at bigint,
    ended_at bigint
);


--
-- Name: audit_log; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.audit_log (
    id bigint NOT NULL,
    at bigint NOT NULL,
    kind text NOT NULL,
    subject text NOT NULL,
    event_id text,
    summary text NOT NULL,
    payload text
);


--
-- Name: audit_log_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.audit_log_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: audit_log_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.audit_log_id_seq OWNED BY public.audit_log.id;


--
-- Name: console_session; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.console_session (
    id_hash text NOT NULL,
    csrf_token text NOT NULL,
    actor text NOT NULL,
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL
);


--
-- Name: customer; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.customer (
    id text NOT NULL,
    company text,
    contact_name text,
    email text,
    created_at bigint NOT NULL,
    erased_at bigint
);


--
-- Name: dead_letter; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.dead_letter (
    id bigint NOT NULL,
    message_id text,
    event_id text,
    subject text,
    data bytea NOT NULL,
    attributes text NOT NULL,
    error text NOT NULL,
    attempts integer NOT NULL,
    first_failed_at bigint NOT NULL,
    dead_lettered_at bigint NOT NULL,
    replayed_at bigint,
    replay_error text
);


--
-- Name: dead_letter_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.dead_letter_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: dead_letter_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.dead_letter_id_seq OWNED BY public.dead_letter.id;


--
-- Name: delivery_failure; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.delivery_failure (
    message_key text NOT NULL,
    attempts integer NOT NULL,
    first_failed_at bigint NOT NULL,
    last_failed_at bigint NOT NULL,
    last_error text NOT NULL
);


--
-- Name: entitle_migration; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.entitle_migration (
    name text NOT NULL,
    applied_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: entitlement; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.entitlement (
    id text NOT NULL,
    account_id text,
    product text,
    plan text,
    state text,
    deleted boolean DEFAULT false NOT NULL,
    record text NOT NULL,
    update_time bigint,
    updated_at bigint NOT NULL
);


--
-- Name: handoff; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.handoff (
    code_hash text NOT NULL,
    app text NOT NULL,
    account_id text NOT NULL,
    customer_id text NOT NULL,
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    redeemed_at bigint,
    challenge text,
    person text
);


--
-- Name: inbox; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.inbox (
    event_id text NOT NULL,
    processed_at bigint NOT NULL
);


--
-- Name: leader; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.leader (
    id integer NOT NULL,
    replica text NOT NULL,
    since bigint NOT NULL,
    heartbeat bigint NOT NULL,
    CONSTRAINT leader_id_check CHECK ((id = 1))
);


--
-- Name: outbox; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.outbox (
    seq bigint NOT NULL,
    id text NOT NULL,
    kind text NOT NULL,
    account_id text,
    entitlement_id text,
    subject text NOT NULL,
    body text NOT NULL,
    created_at bigint NOT NULL,
    queued_at bigint NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    next_attempt_at bigint NOT NULL,
    status text NOT NULL,
    delivered_at bigint,
    last_error text,
    claimed_by text,
    claimed_until bigint
);


--
-- Name: outbox_seq_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.outbox_seq_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: outbox_seq_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.outbox_seq_seq OWNED BY public.outbox.seq;


--
-- Name: person; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.person (
    account_id text NOT NULL,
    identity text NOT NULL,
    roles text NOT NULL,
    orders text NOT NULL,
    first_seen bigint NOT NULL,
    last_seen bigint NOT NULL
);


--
-- Name: poison_message; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.poison_message (
    id bigint NOT NULL,
    message_id text,
    data bytea NOT NULL,
    attributes text NOT NULL,
    reason text NOT NULL,
    received_at bigint NOT NULL
);


--
-- Name: poison_message_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.poison_message_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: poison_message_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.poison_message_id_seq OWNED BY public.poison_message.id;


--
-- Name: signup_session; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.signup_session (
    id text NOT NULL,
    account_id text NOT NULL,
    user_identity text,
    csrf_token text NOT NULL,
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    completed_at bigint,
    roles text DEFAULT '[]'::text NOT NULL,
    orders text DEFAULT '[]'::text NOT NULL,
    browser_hash text,
    proposal_hash text,
    proposal text,
    token_hash text
);


--
-- Name: subject_lease; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.subject_lease (
    subject text NOT NULL,
    holder text NOT NULL,
    until bigint NOT NULL
);


--
-- Name: usage_cursor; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.usage_cursor (
    entitlement_id text NOT NULL,
    sealed_until bigint NOT NULL,
    reported_until bigint,
    final boolean DEFAULT false NOT NULL,
    blocked_reason text,
    blocked_at bigint,
    sealing_error text,
    sealing_error_at bigint
);


--
-- Name: usage_operation; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.usage_operation (
    id text NOT NULL,
    entitlement_id text NOT NULL,
    metric text NOT NULL,
    labels text NOT NULL,
    window_start bigint NOT NULL,
    window_end bigint NOT NULL,
    quantity bigint NOT NULL,
    status text NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    last_error text,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    reported_at bigint
);


--
-- Name: usage_record; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.usage_record (
    app text NOT NULL,
    idempotency_key text NOT NULL,
    entitlement_id text NOT NULL,
    metric text NOT NULL,
    labels text NOT NULL,
    quantity bigint NOT NULL,
    usage_time bigint NOT NULL,
    time_given boolean DEFAULT true NOT NULL,
    window_start bigint NOT NULL,
    accepted_at bigint NOT NULL,
    operation_id text
);


--
-- Name: usage_reporting; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.usage_reporting (
    id integer NOT NULL,
    blocked_reason text,
    blocked_at bigint,
    CONSTRAINT usage_reporting_id_check CHECK ((id = 1))
);


--
-- Name: usage_unsealed; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.usage_unsealed (
    entitlement_id text NOT NULL,
    metric text NOT NULL,
    labels text NOT NULL,
    window_start bigint NOT NULL,
    high_sum bigint NOT NULL,
    low_sum bigint NOT NULL,
    records bigint NOT NULL
);


--
-- Name: audit_log id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_log ALTER COLUMN id SET DEFAULT nextval('public.audit_log_id_seq'::regclass);


--
-- Name: dead_letter id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dead_letter ALTER COLUMN id SET DEFAULT nextval('public.dead_letter_id_seq'::regclass);


--
-- Name: outbox seq; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.outbox ALTER COLUMN seq SET DEFAULT nextval('public.outbox_seq_seq'::regclass);


--
-- Name: poison_message id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.poison_message ALTER COLUMN id SET DEFAULT nextval('public.poison_message_id_seq'::regclass);


--
-- Data for Name: account; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.account VALUES ('upgrade-account-1', 'upgrade-customer-1', '{"id":"upgrade-account-1","isErased":false,"isSignedUp":true,"signupApproval":"APPROVED"}', true, true, 1700000002729771, 1700000008470151);
INSERT INTO public.account VALUES ('upgrade-account-2', 'upgrade-customer-2', '{"id":"upgrade-account-2","isErased":false,"isSignedUp":true,"signupApproval":"APPROVED"}', false, false, 1700000002729772, 1700000008470152);


--
-- Data for Name: agent_client; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.agent_client VALUES ('agent_client.entitlement_id.1', 'agent_client.account_id.1', 'agent_client.redirect_uris.1', 'agent_client.state.1', 'agent_client.client_id.1', 'agent_client.sealed_credentials.1', 'agent_client.claimant.1', 1700000009245871, 1700000004102971, 1700000000779211);
INSERT INTO public.agent_client VALUES ('agent_client.entitlement_id.2', 'agent_client.account_id.2', 'agent_client.redirect_uris.2', 'agent_client.state.2', 'agent_client.client_id.2', 'agent_client.sealed_credentials.2', 'agent_client.claimant.2', 1700000009245872, 1700000004102972, 1700000000779212);


--
-- Data for Name: audit_log; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.audit_log VALUES (1700000000732481, 1700000000730161, 'action', 'entitlements/upgrade-entitlement-1', 'audit_log.event_id.1', 'audit_log.summary.1', 'audit_log.payload.1');
INSERT INTO public.audit_log VALUES (1700000000732482, 1700000000730162, 'action', 'entitlements/upgrade-entitlement-2', 'audit_log.event_id.2', 'audit_log.summary.2', 'audit_log.payload.2');


--
-- Data for Name: console_session; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.console_session VALUES ('console_session.id_hash.1', 'console_session.csrf_token.1', 'console_session.actor.1', 1700000004110811, 1700000000120071);
INSERT INTO public.console_session VALUES ('console_session.id_hash.2', 'console_session.csrf_token.2', 'console_session.actor.2', 1700000004110812, 1700000000120072);


--
-- Data for Name: customer; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.customer VALUES ('upgrade-customer-1', 'customer.company.1', 'customer.contact_name.1', 'customer.email.1', 1700000003788601, 1700000006919031);
INSERT INTO public.customer VALUES ('upgrade-customer-2', 'customer.company.2', 'customer.contact_name.2', 'customer.email.2', 1700000003788602, 1700000006919032);


--
-- Data for Name: dead_letter; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.dead_letter VALUES (1700000009073951, 'dead_letter.message_id.1', 'dead_letter.event_id.1', 'entitlements/upgrade-entitlement-1', '\x646561645f6c65747465722e646174612e31', '{"eventType":"ENTITLEMENT_ACTIVE"}', 'dead_letter.error.1', 1, 1700000005012191, 1700000009545141, 1700000009997891, 'dead_letter.replay_error.1');
INSERT INTO public.dead_letter VALUES (1700000009073952, 'dead_letter.message_id.2', 'dead_letter.event_id.2', 'entitlements/upgrade-entitlement-2', '\x646561645f6c65747465722e646174612e32', '{"eventType":"ENTITLEMENT_ACTIVE"}', 'dead_letter.error.2', 2, 1700000005012192, 1700000009545142, 1700000009997892, 'dead_letter.replay_error.2');


--
-- Data for Name: delivery_failure; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.delivery_failure VALUES ('delivery_failure.message_key.1', 1, 1700000003718041, 1700000004842661, 'delivery_failure.last_error.1');
INSERT INTO public.delivery_failure VALUES ('delivery_failure.message_key.2', 2, 1700000003718042, 1700000004842662, 'delivery_failure.last_error.2');


--
-- Data for Name: entitle_migration; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.entitle_migration VALUES ('v1', '2026-12-06 20:36:34.432236+00');
INSERT INTO public.entitle_migration VALUES ('v2-handoffs', '2026-12-06 20:36:34.638543+00');
INSERT INTO public.entitle_migration VALUES ('v3-console', '2026-12-06 20:36:34.659183+00');
INSERT INTO public.entitle_migration VALUES ('v4-browser-bound-codes', '2026-12-06 20:36:34.688138+00');
INSERT INTO public.entitle_migration VALUES ('v5-signup-token-hash', '2026-12-06 20:36:34.752069+00');
INSERT INTO public.entitle_migration VALUES ('v6-agent-client', '2026-12-06 20:36:34.784995+00');
INSERT INTO public.entitle_migration VALUES ('v7-usage-unsealed', '2026-12-06 20:36:34.843311+00');


--
-- Data for Name: entitlement; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.entitlement VALUES ('upgrade-entitlement-1', 'upgrade-account-1', 'upgrade-product', 'plan-1', 'ENTITLEMENT_ACTIVE', true, '{"accountID":"upgrade-account-1","id":"upgrade-entitlement-1","isDeleted":false,"resource":{"account":"providers\/DEMO\/accounts\/upgrade-account-1","name":"providers\/DEMO\/entitlements\/upgrade-entitlement-1","plan":"plan-1","product":"upgrade-product","state":"ENTITLEMENT_ACTIVE"}}', 1700000004510301, 1700000007237261);
INSERT INTO public.entitlement VALUES ('upgrade-entitlement-2', 'upgrade-account-2', 'upgrade-product', 'plan-2', 'ENTITLEMENT_ACTIVE', false, '{"accountID":"upgrade-account-2","id":"upgrade-entitlement-2","isDeleted":false,"resource":{"account":"providers\/DEMO\/accounts\/upgrade-account-2","name":"providers\/DEMO\/entitlements\/upgrade-entitlement-2","plan":"plan-2","product":"upgrade-product","state":"ENTITLEMENT_ACTIVE"}}', 1700000004510302, 1700000007237262);


--
-- Data for Name: handoff; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.handoff VALUES ('handoff.code_hash.1', 'handoff.app.1', 'upgrade-account-1', 'upgrade-customer-1', 1700000009874631, 1700000005883891, 1700000004493001, 'handoff.challenge.1', 'handoff.person.1');
INSERT INTO public.handoff VALUES ('handoff.code_hash.2', 'handoff.app.2', 'upgrade-account-2', 'upgrade-customer-2', 1700000009874632, 1700000005883892, 1700000004493002, 'handoff.challenge.2', 'handoff.person.2');


--
-- Data for Name: inbox; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.inbox VALUES ('inbox.event_id.1', 1700000004830021);
INSERT INTO public.inbox VALUES ('inbox.event_id.2', 1700000004830022);


--
-- Data for Name: leader; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.leader VALUES (1, 'leader.replica.1', 1700000000898541, 1700000002093671);


--
-- Data for Name: outbox; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.outbox VALUES (1700000001015561, 'outbox.id.1', 'entitlement.activated', 'upgrade-account-1', 'upgrade-entitlement-1', 'entitlements/upgrade-entitlement-1', '{"type":"entitlement.activated","n":1}', 1700000007604681, 1700000009193481, 1, 1700000007359891, 'pending', 1700000008752431, 'outbox.last_error.1', 'outbox.claimed_by.1', 1700000001954211);
INSERT INTO public.outbox VALUES (1700000001015562, 'outbox.id.2', 'entitlement.activated', 'upgrade-account-2', 'upgrade-entitlement-2', 'entitlements/upgrade-entitlement-2', '{"type":"entitlement.activated","n":2}', 1700000007604682, 1700000009193482, 2, 1700000007359892, 'delivered', 1700000008752432, 'outbox.last_error.2', 'outbox.claimed_by.2', 1700000001954212);


--
-- Data for Name: person; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.person VALUES ('person.account_id.1', 'person.identity.1', 'person.roles.1', 'person.orders.1', 1700000007556641, 1700000002210781);
INSERT INTO public.person VALUES ('person.account_id.2', 'person.identity.2', 'person.roles.2', 'person.orders.2', 1700000007556642, 1700000002210782);


--
-- Data for Name: poison_message; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.poison_message VALUES (1700000003014361, 'poison_message.message_id.1', '\x706f69736f6e5f6d6573736167652e646174612e31', '{"eventType":"ENTITLEMENT_ACTIVE"}', 'poison_message.reason.1', 1700000009602201);
INSERT INTO public.poison_message VALUES (1700000003014362, 'poison_message.message_id.2', '\x706f69736f6e5f6d6573736167652e646174612e32', '{"eventType":"ENTITLEMENT_ACTIVE"}', 'poison_message.reason.2', 1700000009602202);


--
-- Data for Name: signup_session; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.signup_session VALUES ('signup_session.id.1', 'upgrade-account-1', 'signup_session.user_identity.1', 'signup_session.csrf_token.1', 1700000004084731, 1700000000093991, 1700000005752791, 'signup_session.roles.1', 'signup_session.orders.1', 'signup_session.browser_hash.1', 'signup_session.proposal_hash.1', 'signup_session.proposal.1', 'signup_session.token_hash.1');
INSERT INTO public.signup_session VALUES ('signup_session.id.2', 'upgrade-account-2', 'signup_session.user_identity.2', 'signup_session.csrf_token.2', 1700000004084732, 1700000000093992, 1700000005752792, 'signup_session.roles.2', 'signup_session.orders.2', 'signup_session.browser_hash.2', 'signup_session.proposal_hash.2', 'signup_session.proposal.2', 'signup_session.token_hash.2');


--
-- Data for Name: subject_lease; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.subject_lease VALUES ('subject_lease.subject.1', 'subject_lease.holder.1', 1700000007870361);
INSERT INTO public.subject_lease VALUES ('subject_lease.subject.2', 'subject_lease.holder.2', 1700000007870362);


--
-- Data for Name: usage_cursor; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.usage_cursor VALUES ('upgrade-entitlement-1', 1700000001029681, 1700000003232841, true, 'usage_cursor.blocked_reason.1', 1700000008719961, 'usage_cursor.sealing_error.1', 1700000000092881);
INSERT INTO public.usage_cursor VALUES ('upgrade-entitlement-2', 1700000001029682, 1700000003232842, false, 'usage_cursor.blocked_reason.2', 1700000008719962, 'usage_cursor.sealing_error.2', 1700000000092882);


--
-- Data for Name: usage_operation; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.usage_operation VALUES ('usage_operation.id.1', 'upgrade-entitlement-1', 'api_calls', '{"region":"r1"}', 1700000005852091, 1700000008516951, 10, 'pending', 1, 'usage_operation.last_error.1', 1700000006974081, 1700000003650471, 1700000004353591);
INSERT INTO public.usage_operation VALUES ('usage_operation.id.2', 'upgrade-entitlement-2', 'api_calls', '{"region":"r2"}', 1700000005852092, 1700000008516952, 20, 'reported', 2, 'usage_operation.last_error.2', 1700000006974082, 1700000003650472, 1700000004353592);


--
-- Data for Name: usage_record; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.usage_record VALUES ('usage_record.app.1', 'usage_record.idempotency_key.1', 'upgrade-entitlement-1', 'api_calls', '{"region":"r1"}', 10, 1700000003508231, true, 1700000005959221, 1700000009372551, 'usage_record.operation_id.1');
INSERT INTO public.usage_record VALUES ('usage_record.app.2', 'usage_record.idempotency_key.2', 'upgrade-entitlement-2', 'api_calls', '{"region":"r2"}', 20, 1700000003508232, false, 1700000005959222, 1700000009372552, 'usage_record.operation_id.2');


--
-- Data for Name: usage_reporting; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.usage_reporting VALUES (1, 'usage_reporting.blocked_reason.1', 1700000007595371);


--
-- Data for Name: usage_unsealed; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.usage_unsealed VALUES ('usage_unsealed.entitlement_id.1', 'usage_unsealed.metric.1', '{"region":"r1"}', 1700000003646081, 1700000004158171, 1700000009322281, 1700000006524951);
INSERT INTO public.usage_unsealed VALUES ('usage_unsealed.entitlement_id.2', 'usage_unsealed.metric.2', '{"region":"r2"}', 1700000003646082, 1700000004158172, 1700000009322282, 1700000006524952);


--
-- Name: audit_log_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.audit_log_id_seq', 1, false);


--
-- Name: dead_letter_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.dead_letter_id_seq', 1, false);


--
-- Name: outbox_seq_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.outbox_seq_seq', 1, false);


--
-- Name: poison_message_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.poison_message_id_seq', 1, false);


--
-- Name: account account_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.account
    ADD CONSTRAINT account_pkey PRIMARY KEY (id);


--
-- Name: agent_client agent_client_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.agent_client
    ADD CONSTRAINT agent_client_pkey PRIMARY KEY (entitlement_id);


--
-- Name: audit_log audit_log_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_log
    ADD CONSTRAINT audit_log_pkey PRIMARY KEY (id);


--
-- Name: console_session console_session_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.console_session
    ADD CONSTRAINT console_session_pkey PRIMARY KEY (id_hash);


--
-- Name: customer customer_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.customer
    ADD CONSTRAINT customer_pkey PRIMARY KEY (id);


--
-- Name: dead_letter dead_letter_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dead_letter
    ADD CONSTRAINT dead_letter_pkey PRIMARY KEY (id);


--
-- Name: delivery_failure delivery_failure_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.delivery_failure
    ADD CONSTRAINT delivery_failure_pkey PRIMARY KEY (message_key);


--
-- Name: entitle_migration entitle_migration_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.entitle_migration
    ADD CONSTRAINT entitle_migration_pkey PRIMARY KEY (name);


--
-- Name: entitlement entitlement_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.entitlement
    ADD CONSTRAINT entitlement_pkey PRIMARY KEY (id);


--
-- Name: handoff handoff_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.handoff
    ADD CONSTRAINT handoff_pkey PRIMARY KEY (code_hash);


--
-- Name: inbox inbox_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.inbox
    ADD CONSTRAINT inbox_pkey PRIMARY KEY (event_id);


--
-- Name: leader leader_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.leader
    ADD CONSTRAINT leader_pkey PRIMARY KEY (id);


--
-- Name: outbox outbox_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.outbox
    ADD CONSTRAINT outbox_pkey PRIMARY KEY (id);


--
-- Name: person person_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.person
    ADD CONSTRAINT person_pkey PRIMARY KEY (account_id, identity);


--
-- Name: poison_message poison_message_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.poison_message
    ADD CONSTRAINT poison_message_pkey PRIMARY KEY (id);


--
-- Name: signup_session signup_session_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.signup_session
    ADD CONSTRAINT signup_session_pkey PRIMARY KEY (id);


--
-- Name: subject_lease subject_lease_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.subject_lease
    ADD CONSTRAINT subject_lease_pkey PRIMARY KEY (subject);


--
-- Name: usage_cursor usage_cursor_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.usage_cursor
    ADD CONSTRAINT usage_cursor_pkey PRIMARY KEY (entitlement_id);


--
-- Name: usage_operation usage_operation_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.usage_operation
    ADD CONSTRAINT usage_operation_pkey PRIMARY KEY (id);


--
-- Name: usage_record usage_record_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.usage_record
    ADD CONSTRAINT usage_record_pkey PRIMARY KEY (app, idempotency_key);


--
-- Name: usage_reporting usage_reporting_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.usage_reporting
    ADD CONSTRAINT usage_reporting_pkey PRIMARY KEY (id);


--
-- Name: usage_unsealed usage_unsealed_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.usage_unsealed
    ADD CONSTRAINT usage_unsealed_pkey PRIMARY KEY (entitlement_id, metric, labels, window_start);


--
-- Name: agent_client_client; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX agent_client_client ON public.agent_client USING btree (client_id);


--
-- Name: agent_client_state; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX agent_client_state ON public.agent_client USING btree (state, entitlement_id);


--
-- Name: audit_log_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX audit_log_at ON public.audit_log USING btree (at);


--
-- Name: audit_log_kind_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX audit_log_kind_at ON public.audit_log USING btree (kind, at);


--
-- Name: audit_log_subject; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX audit_log_subject ON public.audit_log USING btree (subject, id);


--
-- Name: console_session_expiry; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX console_session_expiry ON public.console_session USING btree (expires_at);


--
-- Name: dead_letter_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX dead_letter_at ON public.dead_letter USING btree (dead_lettered_at);


--
-- Name: delivery_failure_last; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX delivery_failure_last ON public.delivery_failure USING btree (last_failed_at);


--
-- Name: entitlement_account; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX entitlement_account ON public.entitlement USING btree (account_id);


--
-- Name: entitlement_state; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX entitlement_state ON public.entitlement USING btree (state, id);


--
-- Name: handoff_expiry; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX handoff_expiry ON public.handoff USING btree (expires_at);


--
-- Name: inbox_processed; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX inbox_processed ON public.inbox USING btree (processed_at);


--
-- Name: outbox_created; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX outbox_created ON public.outbox USING btree (created_at);


--
-- Name: outbox_due; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX outbox_due ON public.outbox USING btree (status, next_attempt_at);


--
-- Name: outbox_subject; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX outbox_subject ON public.outbox USING btree (subject, status, seq);


--
-- Name: poison_received; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX poison_received ON public.poison_message USING btree (received_at);


--
-- Name: signup_session_browser; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX signup_session_browser ON public.signup_session USING btree (browser_hash);


--
-- Name: signup_session_expiry; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX signup_session_expiry ON public.signup_session USING btree (expires_at);


--
-- Name: signup_session_proposal; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX signup_session_proposal ON public.signup_session USING btree (proposal_hash);


--
-- Name: signup_session_token; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX signup_session_token ON public.signup_session USING btree (token_hash);


--
-- Name: usage_operation_entitlement; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX usage_operation_entitlement ON public.usage_operation USING btree (entitlement_id, window_start);


--
-- Name: usage_operation_status; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX usage_operation_status ON public.usage_operation USING btree (status, window_start);


--
-- Name: usage_operation_window; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX usage_operation_window ON public.usage_operation USING btree (entitlement_id, metric, labels, window_start) WHERE (status <> 'superseded'::text);


--
-- Name: usage_record_accepted; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX usage_record_accepted ON public.usage_record USING btree (accepted_at);


--
-- Name: usage_record_unsealed; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX usage_record_unsealed ON public.usage_record USING btree (operation_id, entitlement_id, window_start);


--
-- Name: account account_customer_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.account
    ADD CONSTRAINT account_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES public.customer(id);


--
-- PostgreSQL database dump complete
--


