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
-- Name: audit_log; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.audit_log (
    id integer NOT NULL,
    at timestamp with time zone NOT NULL,
    user_key character varying(200) NOT NULL,
    user_email character varying(320) NOT NULL,
    crm character varying(20) NOT NULL,
    deal_id character varying(64) NOT NULL,
    op character varying(20) NOT NULL,
    before json,
    after json NOT NULL,
    change_id character varying(36) NOT NULL
);


--
-- Name: audit_log_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.audit_log_id_seq
    AS integer
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
-- Name: crm_account; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.crm_account (
    id integer NOT NULL,
    name character varying(200) NOT NULL,
    domain character varying(200) NOT NULL
);


--
-- Name: crm_account_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.crm_account_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: crm_account_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.crm_account_id_seq OWNED BY public.crm_account.id;


--
-- Name: crm_activity; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.crm_activity (
    id integer NOT NULL,
    deal_id integer NOT NULL,
    message_id character varying(998) NOT NULL,
    subject character varying(998) NOT NULL,
    from_address character varying(320) NOT NULL,
    "to" json NOT NULL,
    cc json NOT NULL,
    sent_at timestamp with time zone NOT NULL,
    direction character varying(8) NOT NULL,
    body text NOT NULL,
    rating character varying(8)
);


--
-- Name: crm_activity_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.crm_activity_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: crm_activity_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.crm_activity_id_seq OWNED BY public.crm_activity.id;


--
-- Name: crm_contact; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.crm_contact (
    id integer NOT NULL,
    account_id integer NOT NULL,
    email character varying(320) NOT NULL,
    name character varying(200) NOT NULL,
    title character varying(200) NOT NULL
);


--
-- Name: crm_contact_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.crm_contact_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: crm_contact_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.crm_contact_id_seq OWNED BY public.crm_contact.id;


--
-- Name: crm_deal; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.crm_deal (
    id integer NOT NULL,
    account_id integer NOT NULL,
    pipeline_id integer NOT NULL,
    stage_id integer NOT NULL,
    name character varying(200) NOT NULL,
    amount numeric(18,2),
    currency character varying(3) NOT NULL,
    close_date date,
    next_step character varying(255) NOT NULL,
    owner_email character varying(320) NOT NULL,
    owner_name character varying(200) NOT NULL,
    probability integer,
    revision integer NOT NULL,
    updated_at timestamp with time zone NOT NULL,
    bc_problem text,
    bc_root_cause text,
    bc_why_it_matters text,
    bc_budget text,
    bc_compelling_event text,
    bc_risks text
);


--
-- Name: crm_deal_contact; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.crm_deal_contact (
    deal_id integer NOT NULL,
    contact_id integer NOT NULL,
    role character varying(80) NOT NULL,
    is_primary boolean NOT NULL
);


--
-- Name: crm_deal_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.crm_deal_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: crm_deal_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.crm_deal_id_seq OWNED BY public.crm_deal.id;


--
-- Name: crm_deal_team; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.crm_deal_team (
    deal_id integer NOT NULL,
    email character varying(320) NOT NULL
);


--
-- Name: crm_pipeline; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.crm_pipeline (
    id integer NOT NULL,
    name character varying(100) NOT NULL
);


--
-- Name: crm_pipeline_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.crm_pipeline_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: crm_pipeline_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.crm_pipeline_id_seq OWNED BY public.crm_pipeline.id;


--
-- Name: crm_stage; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.crm_stage (
    id integer NOT NULL,
    pipeline_id integer NOT NULL,
    key character varying(80) NOT NULL,
    label character varying(120) NOT NULL,
    "position" integer NOT NULL,
    is_closed boolean NOT NULL,
    is_won boolean NOT NULL,
    probability integer
);


--
-- Name: crm_stage_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.crm_stage_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: crm_stage_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.crm_stage_id_seq OWNED BY public.crm_stage.id;


--
-- Name: email_ledger; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.email_ledger (
    id integer NOT NULL,
    crm character varying(20) NOT NULL,
    deal_id character varying(64) NOT NULL,
    message_id character varying(998) NOT NULL,
    subject character varying(998) NOT NULL,
    direction character varying(8) NOT NULL,
    sent_at timestamp with time zone NOT NULL,
    rating character varying(8),
    user_key character varying(200) NOT NULL,
    updated_at timestamp with time zone NOT NULL
);


--
-- Name: email_ledger_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.email_ledger_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: email_ledger_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.email_ledger_id_seq OWNED BY public.email_ledger.id;


--
-- Name: idempotency_keys; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.idempotency_keys (
    user_key character varying(200) NOT NULL,
    key character varying(200) NOT NULL,
    request_hash character varying(64) NOT NULL,
    status_code integer NOT NULL,
    body json NOT NULL,
    created_at timestamp with time zone NOT NULL
);


--
-- Name: outbox; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.outbox (
    seq integer NOT NULL,
    id character varying(36) NOT NULL,
    crm character varying(20) NOT NULL,
    deal_id character varying(64) NOT NULL,
    op character varying(20) NOT NULL,
    payload json NOT NULL,
    user_key character varying(200) NOT NULL,
    "user" json NOT NULL,
    idempotency_key character varying(200),
    state character varying(10) NOT NULL,
    attempts integer NOT NULL,
    next_attempt_at timestamp with time zone NOT NULL,
    lease character varying(36),
    last_error text,
    result json,
    created_at timestamp with time zone NOT NULL,
    updated_at timestamp with time zone NOT NULL
);


--
-- Name: outbox_seq_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.outbox_seq_seq
    AS integer
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
-- Name: salesforce_connect_tickets; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.salesforce_connect_tickets (
    ticket_id character varying(64) NOT NULL,
    used_at timestamp with time zone NOT NULL
);


--
-- Name: salesforce_tokens; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.salesforce_tokens (
    user_key character varying(200) NOT NULL,
    instance_url character varying(255) NOT NULL,
    refresh_token text NOT NULL,
    updated_at timestamp with time zone NOT NULL
);


--
-- Name: audit_log id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_log ALTER COLUMN id SET DEFAULT nextval('public.audit_log_id_seq'::regclass);


--
-- Name: crm_account id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.crm_account ALTER COLUMN id SET DEFAULT nextval('public.crm_account_id_seq'::regclass);


--
-- Name: crm_activity id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.crm_activity ALTER COLUMN id SET DEFAULT nextval('public.crm_activity_id_seq'::regclass);


--
-- Name: crm_contact id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.crm_contact ALTER COLUMN id SET DEFAULT nextval('public.crm_contact_id_seq'::regclass);


--
-- Name: crm_deal id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.crm_deal ALTER COLUMN id SET DEFAULT nextval('public.crm_deal_id_seq'::regclass);


--
-- Name: crm_pipeline id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.crm_pipeline ALTER COLUMN id SET DEFAULT nextval('public.crm_pipeline_id_seq'::regclass);


--
-- Name: crm_stage id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.crm_stage ALTER COLUMN id SET DEFAULT nextval('public.crm_stage_id_seq'::regclass);


--
-- Name: email_ledger id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.email_ledger ALTER COLUMN id SET DEFAULT nextval('public.email_ledger_id_seq'::regclass);


--
-- Name: outbox seq; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.outbox ALTER COLUMN seq SET DEFAULT nextval('public.outbox_seq_seq'::regclass);


--
-- Data for Name: audit_log; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.audit_log VALUES (1, '2026-11-30 19:11:34.9856+13:45', '3c8a5e21-9d4f-4b6a-8e17-6f2d0c9b5a48:6d537603-5994-55d0-8466-9c10625cd44e', 'rep@demo.example', 'local', '1', 'update_deal', '{"stage": "technical_fit", "next_step": "Security questionnaire back by Friday"}', '{"version": "1|108eac28f312dcbb", "stage": "business_case_approved", "next_step": "CFO sign-off"}', 'e79ff5a3-bac0-4bd7-979f-2ab09ce7884f');
INSERT INTO public.audit_log VALUES (2, '2026-11-30 19:11:35.027915+13:45', '3c8a5e21-9d4f-4b6a-8e17-6f2d0c9b5a48:6d537603-5994-55d0-8466-9c10625cd44e', 'rep@demo.example', 'local', '1', 'log_email', 'null', '{"message_id": "<release-1@northwind.example>", "subject": "Re: pricing", "from": "nadia@northwind.example", "to": ["rep@demo.example"], "cc": [], "sent_at": "2026-11-20T10:00:00+00:00", "direction": "inbound", "rating": "positive"}', '16f0e76e-3dfe-4155-beee-83078426dc74');
INSERT INTO public.audit_log VALUES (3, '2026-11-30 19:11:35.075078+13:45', '3c8a5e21-9d4f-4b6a-8e17-6f2d0c9b5a48:6d537603-5994-55d0-8466-9c10625cd44e', 'rep@demo.example', 'local', '2', 'update_deal', '{"stage": "solution_evaluation", "next_step": "Demo for the analytics team"}', '{"version": "1|97244d4e1fb545b3", "next_step": "Queued in 0.1.0"}', 'ff8ab550-947a-4b3e-8d16-7c41ca6ca71b');


--
-- Data for Name: crm_account; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.crm_account VALUES (1, 'Northwind Logistics', 'northwind.example');
INSERT INTO public.crm_account VALUES (2, 'Contoso Health', 'contoso.example');
INSERT INTO public.crm_account VALUES (3, 'Fabrikam Manufacturing', 'fabrikam.example');
INSERT INTO public.crm_account VALUES (4, 'Tailspin Travel', 'tailspin.example');


--
-- Data for Name: crm_activity; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.crm_activity VALUES (1, 1, '<nw-fleet.in0@mail.demo.example>', 'Question on pricing', 'nadia@northwind.example', '["rep@demo.example"]', '[]', '2026-11-28 18:11:34.863127+13:45', 'inbound', 'Thanks — see my notes below.', NULL);
INSERT INTO public.crm_activity VALUES (2, 1, '<nw-fleet.in1@mail.demo.example>', 'Re: security review', 'nadia@northwind.example', '["rep@demo.example"]', '[]', '2026-11-21 17:11:34.863127+13:45', 'inbound', 'Thanks — see my notes below.', NULL);
INSERT INTO public.crm_activity VALUES (3, 1, '<nw-fleet.in2@mail.demo.example>', 'Availability next week', 'nadia@northwind.example', '["rep@demo.example"]', '[]', '2026-11-14 16:11:34.863127+13:45', 'inbound', 'Thanks — see my notes below.', NULL);
INSERT INTO public.crm_activity VALUES (4, 1, '<nw-fleet.out0@mail.demo.example>', 'Agenda for Thursday', 'rep@demo.example', '["nadia@northwind.example"]', '[]', '2026-11-29 18:11:34.863127+13:45', 'outbound', 'Following up on our conversation.', NULL);
INSERT INTO public.crm_activity VALUES (5, 1, '<nw-fleet.out1@mail.demo.example>', 'Checking in', 'rep@demo.example', '["nadia@northwind.example"]', '[]', '2026-11-22 17:11:34.863127+13:45', 'outbound', 'Following up on our conversation.', NULL);
INSERT INTO public.crm_activity VALUES (6, 1, '<nw-fleet.out2@mail.demo.example>', 'Case study you asked for', 'rep@demo.example', '["nadia@northwind.example"]', '[]', '2026-11-15 16:11:34.863127+13:45', 'outbound', 'Following up on our conversation.', NULL);
INSERT INTO public.crm_activity VALUES (7, 2, '<nw-analytics.in0@mail.demo.example>', 'Feedback from the team', 'leo@northwind.example', '["rep@demo.example"]', '[]', '2026-10-27 18:11:34.863127+13:45', 'inbound', 'Thanks — see my notes below.', NULL);
INSERT INTO public.crm_activity VALUES (8, 2, '<nw-analytics.in1@mail.demo.example>', 'Re: contract terms', 'leo@northwind.example', '["rep@demo.example"]', '[]', '2026-10-11 17:11:34.863127+13:45', 'inbound', 'Thanks — see my notes below.', NULL);
INSERT INTO public.crm_activity VALUES (9, 2, '<nw-analytics.out0@mail.demo.example>', 'Follow-up from our call', 'rep@demo.example', '["leo@northwind.example"]', '[]', '2026-11-25 18:11:34.863127+13:45', 'outbound', 'Following up on our conversation.', NULL);
INSERT INTO public.crm_activity VALUES (10, 2, '<nw-analytics.out1@mail.demo.example>', 'Proposal and timeline', 'rep@demo.example', '["leo@northwind.example"]', '[]', '2026-11-10 17:11:34.863127+13:45', 'outbound', 'Following up on our conversation.', NULL);
INSERT INTO public.crm_activity VALUES (11, 2, '<nw-analytics.out2@mail.demo.example>', 'Agenda for Thursday', 'rep@demo.example', '["leo@northwind.example"]', '[]', '2026-10-28 16:11:34.863127+13:45', 'outbound', 'Following up on our conversation.', NULL);
INSERT INTO public.crm_activity VALUES (12, 3, '<contoso-clinics.in0@mail.demo.example>', 'Question on pricing', 'omar@contoso.example', '["rep@demo.example"]', '[]', '2026-11-29 18:11:34.863127+13:45', 'inbound', 'Thanks — see my notes below.', NULL);
INSERT INTO public.crm_activity VALUES (13, 3, '<contoso-clinics.in1@mail.demo.example>', 'Re: security review', 'omar@contoso.example', '["rep@demo.example"]', '[]', '2026-11-26 17:11:34.863127+13:45', 'inbound', 'Thanks — see my notes below.', NULL);
INSERT INTO public.crm_activity VALUES (14, 3, '<contoso-clinics.in2@mail.demo.example>', 'Availability next week', 'omar@contoso.example', '["rep@demo.example"]', '[]', '2026-11-18 16:11:34.863127+13:45', 'inbound', 'Thanks — see my notes below.', NULL);
INSERT INTO public.crm_activity VALUES (15, 3, '<contoso-clinics.out0@mail.demo.example>', 'Checking in', 'rep@demo.example', '["omar@contoso.example"]', '[]', '2026-11-28 18:11:34.863127+13:45', 'outbound', 'Following up on our conversation.', NULL);
INSERT INTO public.crm_activity VALUES (16, 3, '<contoso-clinics.out1@mail.demo.example>', 'Case study you asked for', 'rep@demo.example', '["omar@contoso.example"]', '[]', '2026-11-24 17:11:34.863127+13:45', 'outbound', 'Following up on our conversation.', NULL);
INSERT INTO public.crm_activity VALUES (17, 4, '<contoso-pilot.in0@mail.demo.example>', 'Re: contract terms', 'omar@contoso.example', '["rep2@demo.example"]', '[]', '2026-11-27 18:11:34.863127+13:45', 'inbound', 'Thanks — see my notes below.', NULL);
INSERT INTO public.crm_activity VALUES (18, 4, '<contoso-pilot.out0@mail.demo.example>', 'Proposal and timeline', 'rep2@demo.example', '["omar@contoso.example"]', '[]', '2026-11-26 18:11:34.863127+13:45', 'outbound', 'Following up on our conversation.', NULL);
INSERT INTO public.crm_activity VALUES (19, 5, '<contoso-renewal.in0@mail.demo.example>', 'Question on pricing', 'julia@contoso.example', '["rep@demo.example"]', '[]', '2026-10-23 18:11:34.863127+13:45', 'inbound', 'Thanks — see my notes below.', NULL);
INSERT INTO public.crm_activity VALUES (20, 5, '<contoso-renewal.out0@mail.demo.example>', 'Checking in', 'rep@demo.example', '["julia@contoso.example"]', '[]', '2026-11-27 18:11:34.863127+13:45', 'outbound', 'Following up on our conversation.', NULL);
INSERT INTO public.crm_activity VALUES (21, 5, '<contoso-renewal.out1@mail.demo.example>', 'Case study you asked for', 'rep@demo.example', '["julia@contoso.example"]', '[]', '2026-11-20 17:11:34.863127+13:45', 'outbound', 'Following up on our conversation.', NULL);
INSERT INTO public.crm_activity VALUES (22, 5, '<contoso-renewal.out2@mail.demo.example>', 'Updated quote', 'rep@demo.example', '["julia@contoso.example"]', '[]', '2026-11-06 16:11:34.863127+13:45', 'outbound', 'Following up on our conversation.', NULL);
INSERT INTO public.crm_activity VALUES (23, 5, '<contoso-renewal.out3@mail.demo.example>', 'Follow-up from our call', 'rep@demo.example', '["julia@contoso.example"]', '[]', '2026-10-24 15:11:34.863127+13:45', 'outbound', 'Following up on our conversation.', NULL);
INSERT INTO public.crm_activity VALUES (24, 6, '<fab-quality.in0@mail.demo.example>', 'Re: proposal draft', 'maria@fabrikam.example', '["rep@demo.example"]', '[]', '2026-11-24 18:11:34.863127+13:45', 'inbound', 'Thanks — see my notes below.', NULL);
INSERT INTO public.crm_activity VALUES (25, 6, '<fab-quality.in1@mail.demo.example>', 'Feedback from the team', 'maria@fabrikam.example', '["rep@demo.example"]', '[]', '2026-11-17 17:11:34.863127+13:45', 'inbound', 'Thanks — see my notes below.', NULL);
INSERT INTO public.crm_activity VALUES (26, 6, '<fab-quality.out0@mail.demo.example>', 'Updated quote', 'rep@demo.example', '["maria@fabrikam.example"]', '[]', '2026-11-25 18:11:34.863127+13:45', 'outbound', 'Following up on our conversation.', NULL);
INSERT INTO public.crm_activity VALUES (27, 6, '<fab-quality.out1@mail.demo.example>', 'Follow-up from our call', 'rep@demo.example', '["maria@fabrikam.example"]', '[]', '2026-11-18 17:11:34.863127+13:45', 'outbound', 'Following up on our conversation.', NULL);
INSERT INTO public.crm_activity VALUES (28, 7, '<fab-erp.in0@mail.demo.example>', 'Re: next steps', 'ines@fabrikam.example', '["rep@demo.example"]', '[]', '2026-10-16 18:11:34.863127+13:45', 'inbound', 'Thanks — see my notes below.', NULL);
INSERT INTO public.crm_activity VALUES (29, 7, '<fab-erp.in1@mail.demo.example>', 'Question on pricing', 'ines@fabrikam.example', '["rep@demo.example"]', '[]', '2026-10-01 17:11:34.863127+13:45', 'inbound', 'Thanks — see my notes below.', NULL);
INSERT INTO public.crm_activity VALUES (30, 7, '<fab-erp.out0@mail.demo.example>', 'Proposal and timeline', 'rep@demo.example', '["ines@fabrikam.example"]', '[]', '2026-10-30 18:11:34.863127+13:45', 'outbound', 'Following up on our conversation.', NULL);
INSERT INTO public.crm_activity VALUES (31, 7, '<fab-erp.out1@mail.demo.example>', 'Agenda for Thursday', 'rep@demo.example', '["ines@fabrikam.example"]', '[]', '2026-10-17 17:11:34.863127+13:45', 'outbound', 'Following up on our conversation.', NULL);
INSERT INTO public.crm_activity VALUES (32, 8, '<fab-expansion.in0@mail.demo.example>', 'Re: contract terms', 'tom@fabrikam.example', '["rep2@demo.example"]', '[]', '2026-11-22 18:11:34.863127+13:45', 'inbound', 'Thanks — see my notes below.', NULL);
INSERT INTO public.crm_activity VALUES (33, 8, '<fab-expansion.out0@mail.demo.example>', 'Proposal and timeline', 'rep2@demo.example', '["tom@fabrikam.example"]', '[]', '2026-11-23 18:11:34.863127+13:45', 'outbound', 'Following up on our conversation.', NULL);
INSERT INTO public.crm_activity VALUES (34, 9, '<tail-crm.in0@mail.demo.example>', 'Question on pricing', 'paul@tailspin.example', '["rep@demo.example"]', '[]', '2026-11-28 18:11:34.863127+13:45', 'inbound', 'Thanks — see my notes below.', NULL);
INSERT INTO public.crm_activity VALUES (35, 9, '<tail-crm.in1@mail.demo.example>', 'Re: security review', 'paul@tailspin.example', '["rep@demo.example"]', '[]', '2026-11-25 17:11:34.863127+13:45', 'inbound', 'Thanks — see my notes below.', NULL);
INSERT INTO public.crm_activity VALUES (36, 9, '<tail-crm.out0@mail.demo.example>', 'Agenda for Thursday', 'rep@demo.example', '["paul@tailspin.example"]', '[]', '2026-11-29 18:11:34.863127+13:45', 'outbound', 'Following up on our conversation.', NULL);
INSERT INTO public.crm_activity VALUES (37, 9, '<tail-crm.out1@mail.demo.example>', 'Checking in', 'rep@demo.example', '["paul@tailspin.example"]', '[]', '2026-11-27 17:11:34.863127+13:45', 'outbound', 'Following up on our conversation.', NULL);
INSERT INTO public.crm_activity VALUES (38, 10, '<tail-ai.in0@mail.demo.example>', 'Re: next steps', 'paul@tailspin.example', '["rep2@demo.example"]', '[]', '2026-11-11 18:11:34.863127+13:45', 'inbound', 'Thanks — see my notes below.', NULL);
INSERT INTO public.crm_activity VALUES (39, 10, '<tail-ai.in1@mail.demo.example>', 'Question on pricing', 'paul@tailspin.example', '["rep2@demo.example"]', '[]', '2026-11-01 17:11:34.863127+13:45', 'inbound', 'Thanks — see my notes below.', NULL);
INSERT INTO public.crm_activity VALUES (40, 10, '<tail-ai.out0@mail.demo.example>', 'Proposal and timeline', 'rep2@demo.example', '["paul@tailspin.example"]', '[]', '2026-11-12 18:11:34.863127+13:45', 'outbound', 'Following up on our conversation.', NULL);
INSERT INTO public.crm_activity VALUES (41, 11, '<tail-2025.in0@mail.demo.example>', 'Re: security review', 'sofia@tailspin.example', '["rep@demo.example"]', '[]', '2026-10-21 18:11:34.863127+13:45', 'inbound', 'Thanks — see my notes below.', NULL);
INSERT INTO public.crm_activity VALUES (42, 11, '<tail-2025.out0@mail.demo.example>', 'Checking in', 'rep@demo.example', '["sofia@tailspin.example"]', '[]', '2026-10-20 18:11:34.863127+13:45', 'outbound', 'Following up on our conversation.', NULL);
INSERT INTO public.crm_activity VALUES (43, 12, '<nw-legacy.in0@mail.demo.example>', 'Re: security review', 'grace@northwind.example', '["rep@demo.example"]', '[]', '2026-09-01 17:11:34.863127+12:45', 'inbound', 'Thanks — see my notes below.', NULL);
INSERT INTO public.crm_activity VALUES (44, 12, '<nw-legacy.out0@mail.demo.example>', 'Checking in', 'rep@demo.example', '["grace@northwind.example"]', '[]', '2026-08-31 17:11:34.863127+12:45', 'outbound', 'Following up on our conversation.', NULL);
INSERT INTO public.crm_activity VALUES (45, 1, '<release-1@northwind.example>', 'Re: pricing', 'nadia@northwind.example', '["rep@demo.example"]', '[]', '2026-11-20 23:45:00+13:45', 'inbound', 'Looks good', 'positive');


--
-- Data for Name: crm_contact; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.crm_contact VALUES (1, 1, 'nadia@northwind.example', 'Nadia Patel', 'VP Operations');
INSERT INTO public.crm_contact VALUES (2, 1, 'leo@northwind.example', 'Leo Brandt', 'IT Director');
INSERT INTO public.crm_contact VALUES (3, 1, 'grace@northwind.example', 'Grace Okafor', 'CFO');
INSERT INTO public.crm_contact VALUES (4, 2, 'omar@contoso.example', 'Omar Haddad', 'Chief Medical Officer');
INSERT INTO public.crm_contact VALUES (5, 2, 'julia@contoso.example', 'Julia Weiss', 'Head of Procurement');
INSERT INTO public.crm_contact VALUES (6, 2, 'ken@contoso.example', 'Ken Sato', 'Security Lead');
INSERT INTO public.crm_contact VALUES (7, 3, 'maria@fabrikam.example', 'Maria Rossi', 'Plant Manager');
INSERT INTO public.crm_contact VALUES (8, 3, 'tom@fabrikam.example', 'Tom Becker', 'COO');
INSERT INTO public.crm_contact VALUES (9, 3, 'ines@fabrikam.example', 'Ines Duarte', 'Finance Controller');
INSERT INTO public.crm_contact VALUES (10, 4, 'paul@tailspin.example', 'Paul Martin', 'CTO');
INSERT INTO public.crm_contact VALUES (11, 4, 'sofia@tailspin.example', 'Sofia Lind', 'Head of Sales Ops');


--
-- Data for Name: crm_deal; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.crm_deal VALUES (2, 1, 1, 2, 'Northwind analytics add-on', 36000.00, 'USD', '2027-02-13', 'Demo for the analytics team', 'rep@demo.example', 'Riley Rep', 25, 1, '2026-11-30 19:11:34.878201+13:45', NULL, NULL, NULL, NULL, NULL, NULL);
INSERT INTO public.crm_deal VALUES (3, 2, 1, 4, 'Contoso clinic scheduling', 420000.00, 'EUR', '2026-12-21', 'Procurement to confirm legal review slot', 'rep@demo.example', 'Riley Rep', 65, 1, '2026-11-30 19:11:34.878542+13:45', 'No-show rate of 18% across 40 clinics.', 'Manual reminder calls.', 'Each no-show is ~€160 of lost revenue.', '€450k capex line', 'Board review in January', 'Data-protection review may slip');
INSERT INTO public.crm_deal VALUES (4, 2, 1, 1, 'Contoso telehealth pilot', 25000.00, 'EUR', '2027-03-30', 'Discovery call with Omar', 'rep2@demo.example', 'Sam Seller', 10, 1, '2026-11-30 19:11:34.879047+13:45', NULL, NULL, NULL, NULL, NULL, NULL);
INSERT INTO public.crm_deal VALUES (5, 2, 1, 5, 'Contoso 2027 renewal', 98000.00, 'EUR', '2026-12-10', 'Chase signature', 'rep@demo.example', 'Riley Rep', 85, 1, '2026-11-30 19:11:34.879276+13:45', NULL, NULL, NULL, NULL, NULL, NULL);
INSERT INTO public.crm_deal VALUES (6, 3, 1, 2, 'Fabrikam quality inspection', 150000.00, 'USD', '2027-01-29', 'Site visit in Lyon', 'rep@demo.example', 'Riley Rep', 25, 1, '2026-11-30 19:11:34.879574+13:45', 'Defects found late at final inspection.', NULL, 'Scrap is 4% of output.', NULL, NULL, NULL);
INSERT INTO public.crm_deal VALUES (7, 3, 1, 3, 'Fabrikam ERP connector', 64000.00, 'USD', '2027-01-14', '', 'rep@demo.example', 'Riley Rep', 45, 1, '2026-11-30 19:11:34.879884+13:45', NULL, NULL, NULL, NULL, NULL, NULL);
INSERT INTO public.crm_deal VALUES (8, 3, 1, 1, 'Fabrikam plant #2 expansion', 210000.00, 'USD', '2027-04-29', 'Map stakeholders at plant #2', 'rep2@demo.example', 'Sam Seller', 10, 1, '2026-11-30 19:11:34.880146+13:45', NULL, NULL, NULL, NULL, NULL, NULL);
INSERT INTO public.crm_deal VALUES (9, 4, 1, 5, 'Tailspin booking CRM sync', 72000.00, 'GBP', '2026-12-14', 'Redlines from legal', 'rep@demo.example', 'Riley Rep', 85, 1, '2026-11-30 19:11:34.880347+13:45', NULL, NULL, NULL, NULL, NULL, NULL);
INSERT INTO public.crm_deal VALUES (10, 4, 1, 2, 'Tailspin AI itinerary assistant', 130000.00, 'GBP', '2027-02-28', 'Send ROI model', 'rep2@demo.example', 'Sam Seller', 25, 1, '2026-11-30 19:11:34.880568+13:45', NULL, NULL, NULL, NULL, NULL, NULL);
INSERT INTO public.crm_deal VALUES (11, 4, 1, 6, 'Tailspin 2025 licences', 54000.00, 'GBP', '2026-10-31', '', 'rep@demo.example', 'Riley Rep', 100, 1, '2026-11-30 19:11:34.880737+13:45', NULL, NULL, NULL, NULL, NULL, NULL);
INSERT INTO public.crm_deal VALUES (12, 1, 1, 7, 'Northwind legacy migration', 80000.00, 'USD', '2026-10-01', '', 'rep@demo.example', 'Riley Rep', 0, 1, '2026-11-30 19:11:34.880905+13:45', NULL, NULL, NULL, NULL, NULL, NULL);
INSERT INTO public.crm_deal VALUES (1, 1, 1, 4, 'Northwind fleet visibility', 184000.00, 'USD', '2027-01-09', 'CFO sign-off', 'rep@demo.example', 'Riley Rep', 65, 2, '2026-11-30 19:11:35.004807+13:45', 'Dispatchers cannot see late trucks until customers call.', 'Telematics data sits in three vendor portals.', 'Late deliveries cost $2.1M in penalties last year.', 'Approved in the FY27 operations budget', 'New retail contract starts in March', 'IT bandwidth during the ERP upgrade');


--
-- Data for Name: crm_deal_contact; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.crm_deal_contact VALUES (1, 1, 'Champion', true);
INSERT INTO public.crm_deal_contact VALUES (1, 2, 'Technical buyer', false);
INSERT INTO public.crm_deal_contact VALUES (1, 3, 'Economic buyer', false);
INSERT INTO public.crm_deal_contact VALUES (2, 2, 'Champion', true);
INSERT INTO public.crm_deal_contact VALUES (3, 4, 'Economic buyer', true);
INSERT INTO public.crm_deal_contact VALUES (3, 5, 'Procurement', false);
INSERT INTO public.crm_deal_contact VALUES (3, 6, 'Security', false);
INSERT INTO public.crm_deal_contact VALUES (4, 4, 'Champion', true);
INSERT INTO public.crm_deal_contact VALUES (5, 5, 'Economic buyer', true);
INSERT INTO public.crm_deal_contact VALUES (6, 7, 'Champion', true);
INSERT INTO public.crm_deal_contact VALUES (6, 8, 'Economic buyer', false);
INSERT INTO public.crm_deal_contact VALUES (7, 9, 'Finance approver', true);
INSERT INTO public.crm_deal_contact VALUES (8, 8, 'Economic buyer', true);
INSERT INTO public.crm_deal_contact VALUES (9, 10, 'Economic buyer', true);
INSERT INTO public.crm_deal_contact VALUES (9, 11, 'Champion', false);
INSERT INTO public.crm_deal_contact VALUES (10, 10, 'Champion', true);
INSERT INTO public.crm_deal_contact VALUES (11, 11, 'Economic buyer', true);
INSERT INTO public.crm_deal_contact VALUES (12, 3, 'Economic buyer', true);


--
-- Data for Name: crm_deal_team; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.crm_deal_team VALUES (1, 'rep2@demo.example');
INSERT INTO public.crm_deal_team VALUES (8, 'rep@demo.example');


--
-- Data for Name: crm_pipeline; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.crm_pipeline VALUES (1, 'Sales');


--
-- Data for Name: crm_stage; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.crm_stage VALUES (1, 1, 'problem_identified', 'Problem identified', 0, false, false, 10);
INSERT INTO public.crm_stage VALUES (2, 1, 'solution_evaluation', 'Solution evaluation', 1, false, false, 25);
INSERT INTO public.crm_stage VALUES (3, 1, 'technical_fit', 'Technical fit', 2, false, false, 45);
INSERT INTO public.crm_stage VALUES (4, 1, 'business_case_approved', 'Business case approved', 3, false, false, 65);
INSERT INTO public.crm_stage VALUES (5, 1, 'contract_sent', 'Contract sent', 4, false, false, 85);
INSERT INTO public.crm_stage VALUES (6, 1, 'closed_won', 'Closed won', 5, true, true, 100);
INSERT INTO public.crm_stage VALUES (7, 1, 'closed_lost', 'Closed lost', 6, true, false, 0);


--
-- Data for Name: email_ledger; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.email_ledger VALUES (1, 'local', '1', '<release-1@northwind.example>', 'Re: pricing', 'inbound', '2026-11-20 23:45:00+13:45', 'positive', '3c8a5e21-9d4f-4b6a-8e17-6f2d0c9b5a48:6d537603-5994-55d0-8466-9c10625cd44e', '2026-11-30 19:11:35.040317+13:45');


--
-- Data for Name: idempotency_keys; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.idempotency_keys VALUES ('3c8a5e21-9d4f-4b6a-8e17-6f2d0c9b5a48:6d537603-5994-55d0-8466-9c10625cd44e', 'release-1', '8c42d43f4a860f9a7a304425fcf1f393964a22e74dffea12956cd4b2941f8a6e', 200, '{"change": {"attempts": 1, "conflict": null, "deal_id": "1", "id": "e79ff5a3-bac0-4bd7-979f-2ab09ce7884f", "op": "update_deal", "reason": null, "state": "done", "updated_at": "2026-11-30T05:26:35.012003+00:00"}, "deal": {"account_name": "Northwind Logistics", "activities": [{"direction": "outbound", "message_id": "<nw-fleet.out0@mail.demo.example>", "rating": null, "sent_at": "2026-11-29T04:26:34.863127+00:00", "subject": "Agenda for Thursday"}, {"direction": "inbound", "message_id": "<nw-fleet.in0@mail.demo.example>", "rating": null, "sent_at": "2026-11-28T04:26:34.863127+00:00", "subject": "Question on pricing"}, {"direction": "outbound", "message_id": "<nw-fleet.out1@mail.demo.example>", "rating": null, "sent_at": "2026-11-22T03:26:34.863127+00:00", "subject": "Checking in"}, {"direction": "inbound", "message_id": "<nw-fleet.in1@mail.demo.example>", "rating": null, "sent_at": "2026-11-21T03:26:34.863127+00:00", "subject": "Re: security review"}, {"direction": "outbound", "message_id": "<nw-fleet.out2@mail.demo.example>", "rating": null, "sent_at": "2026-11-15T02:26:34.863127+00:00", "subject": "Case study you asked for"}, {"direction": "inbound", "message_id": "<nw-fleet.in2@mail.demo.example>", "rating": null, "sent_at": "2026-11-14T02:26:34.863127+00:00", "subject": "Availability next week"}], "amount": "184000.00", "business_case": {"budget": "Approved in the FY27 operations budget", "compelling_event": "New retail contract starts in March", "problem": "Dispatchers cannot see late trucks until customers call.", "risks": "IT bandwidth during the ERP upgrade", "root_cause": "Telematics data sits in three vendor portals.", "why_it_matters": "Late deliveries cost $2.1M in penalties last year."}, "close_date": "2027-01-09", "currency": "USD", "editable": true, "health": {"days_since_inbound": 2, "going_dark": false, "inbound_count": 3, "last_inbound": "2026-11-28T04:26:34.863127+00:00", "last_outbound": "2026-11-29T04:26:34.863127+00:00", "outbound_count": 3}, "id": "1", "name": "Northwind fleet visibility", "next_step": "CFO sign-off", "owner_email": "rep@demo.example", "owner_name": "Riley Rep", "probability": 65, "stage": {"id": "business_case_approved", "is_closed": false, "is_won": false, "label": "Business case approved", "probability": 65}, "stages": [{"id": "problem_identified", "is_closed": false, "is_won": false, "label": "Problem identified", "probability": 10}, {"id": "solution_evaluation", "is_closed": false, "is_won": false, "label": "Solution evaluation", "probability": 25}, {"id": "technical_fit", "is_closed": false, "is_won": false, "label": "Technical fit", "probability": 45}, {"id": "business_case_approved", "is_closed": false, "is_won": false, "label": "Business case approved", "probability": 65}, {"id": "contract_sent", "is_closed": false, "is_won": false, "label": "Contract sent", "probability": 85}, {"id": "closed_won", "is_closed": true, "is_won": true, "label": "Closed won", "probability": 100}, {"id": "closed_lost", "is_closed": true, "is_won": false, "label": "Closed lost", "probability": 0}], "stakeholders": [{"contact_id": "1", "email": "nadia@northwind.example", "is_primary": true, "name": "Nadia Patel", "role": "Champion"}, {"contact_id": "2", "email": "leo@northwind.example", "is_primary": false, "name": "Leo Brandt", "role": "Technical buyer"}, {"contact_id": "3", "email": "grace@northwind.example", "is_primary": false, "name": "Grace Okafor", "role": "Economic buyer"}], "url": "http://127.0.0.1:8000/crm/deals/1?t=MQ.aw0JCw.-iR6OE3Yc-HA-uTfyX-FLgoDRf8", "version": "2|ed1e9f96dc3123ba"}}', '2026-11-30 19:11:35.013575+13:45');


--
-- Data for Name: outbox; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.outbox VALUES (1, 'e79ff5a3-bac0-4bd7-979f-2ab09ce7884f', 'local', '1', 'update_deal', '{"version": "1|108eac28f312dcbb", "stage": "business_case_approved", "next_step": "CFO sign-off"}', '3c8a5e21-9d4f-4b6a-8e17-6f2d0c9b5a48:6d537603-5994-55d0-8466-9c10625cd44e', '{"email": "rep@demo.example", "subject": "6d537603-5994-55d0-8466-9c10625cd44e", "tenant": "3c8a5e21-9d4f-4b6a-8e17-6f2d0c9b5a48", "name": "Test Rep"}', 'release-1', 'done', 1, '2026-11-30 19:12:34.9856+13:45', NULL, NULL, 'null', '2026-11-30 19:11:34.9856+13:45', '2026-11-30 19:11:35.009416+13:45');
INSERT INTO public.outbox VALUES (2, '16f0e76e-3dfe-4155-beee-83078426dc74', 'local', '1', 'log_email', '{"message_id": "<release-1@northwind.example>", "subject": "Re: pricing", "from": "nadia@northwind.example", "to": ["rep@demo.example"], "cc": [], "sent_at": "2026-11-20T10:00:00+00:00", "direction": "inbound", "rating": "positive"}', '3c8a5e21-9d4f-4b6a-8e17-6f2d0c9b5a48:6d537603-5994-55d0-8466-9c10625cd44e', '{"email": "rep@demo.example", "subject": "6d537603-5994-55d0-8466-9c10625cd44e", "tenant": "3c8a5e21-9d4f-4b6a-8e17-6f2d0c9b5a48", "name": "Test Rep"}', NULL, 'done', 1, '2026-11-30 19:12:35.027915+13:45', NULL, NULL, 'null', '2026-11-30 19:11:35.027915+13:45', '2026-11-30 19:11:35.045581+13:45');
INSERT INTO public.outbox VALUES (3, 'ff8ab550-947a-4b3e-8d16-7c41ca6ca71b', 'local', '2', 'update_deal', '{"version": "1|97244d4e1fb545b3", "next_step": "Queued in 0.1.0"}', '3c8a5e21-9d4f-4b6a-8e17-6f2d0c9b5a48:6d537603-5994-55d0-8466-9c10625cd44e', '{"email": "rep@demo.example", "subject": "6d537603-5994-55d0-8466-9c10625cd44e", "tenant": "3c8a5e21-9d4f-4b6a-8e17-6f2d0c9b5a48", "name": "Test Rep"}', NULL, 'queued', 1, '2026-11-30 19:11:40.080715+13:45', NULL, 'CRM timed out', NULL, '2026-11-30 19:11:35.075078+13:45', '2026-11-30 19:11:35.080933+13:45');


--
-- Data for Name: salesforce_connect_tickets; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: salesforce_tokens; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Name: audit_log_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.audit_log_id_seq', 3, true);


--
-- Name: crm_account_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.crm_account_id_seq', 4, true);


--
-- Name: crm_activity_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.crm_activity_id_seq', 45, true);


--
-- Name: crm_contact_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.crm_contact_id_seq', 11, true);


--
-- Name: crm_deal_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.crm_deal_id_seq', 12, true);


--
-- Name: crm_pipeline_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.crm_pipeline_id_seq', 1, true);


--
-- Name: crm_stage_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.crm_stage_id_seq', 7, true);


--
-- Name: email_ledger_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.email_ledger_id_seq', 1, true);


--
-- Name: outbox_seq_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.outbox_seq_seq', 3, true);


--
-- Name: audit_log pk_audit_log; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_log
    ADD CONSTRAINT pk_audit_log PRIMARY KEY (id);


--
-- Name: crm_account pk_crm_account; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.crm_account
    ADD CONSTRAINT pk_crm_account PRIMARY KEY (id);


--
-- Name: crm_activity pk_crm_activity; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.crm_activity
    ADD CONSTRAINT pk_crm_activity PRIMARY KEY (id);


--
-- Name: crm_contact pk_crm_contact; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.crm_contact
    ADD CONSTRAINT pk_crm_contact PRIMARY KEY (id);


--
-- Name: crm_deal pk_crm_deal; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.crm_deal
    ADD CONSTRAINT pk_crm_deal PRIMARY KEY (id);


--
-- Name: crm_deal_contact pk_crm_deal_contact; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.crm_deal_contact
    ADD CONSTRAINT pk_crm_deal_contact PRIMARY KEY (deal_id, contact_id);


--
-- Name: crm_deal_team pk_crm_deal_team; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.crm_deal_team
    ADD CONSTRAINT pk_crm_deal_team PRIMARY KEY (deal_id, email);


--
-- Name: crm_pipeline pk_crm_pipeline; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.crm_pipeline
    ADD CONSTRAINT pk_crm_pipeline PRIMARY KEY (id);


--
-- Name: crm_stage pk_crm_stage; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.crm_stage
    ADD CONSTRAINT pk_crm_stage PRIMARY KEY (id);


--
-- Name: email_ledger pk_email_ledger; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.email_ledger
    ADD CONSTRAINT pk_email_ledger PRIMARY KEY (id);


--
-- Name: idempotency_keys pk_idempotency_keys; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.idempotency_keys
    ADD CONSTRAINT pk_idempotency_keys PRIMARY KEY (user_key, key);


--
-- Name: outbox pk_outbox; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.outbox
    ADD CONSTRAINT pk_outbox PRIMARY KEY (seq);


--
-- Name: salesforce_connect_tickets pk_salesforce_connect_tickets; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.salesforce_connect_tickets
    ADD CONSTRAINT pk_salesforce_connect_tickets PRIMARY KEY (ticket_id);


--
-- Name: salesforce_tokens pk_salesforce_tokens; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.salesforce_tokens
    ADD CONSTRAINT pk_salesforce_tokens PRIMARY KEY (user_key);


--
-- Name: crm_activity uq_crm_activity_deal_id; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.crm_activity
    ADD CONSTRAINT uq_crm_activity_deal_id UNIQUE (deal_id, message_id);


--
-- Name: crm_contact uq_crm_contact_email; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.crm_contact
    ADD CONSTRAINT uq_crm_contact_email UNIQUE (email);


--
-- Name: crm_stage uq_crm_stage_pipeline_id; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.crm_stage
    ADD CONSTRAINT uq_crm_stage_pipeline_id UNIQUE (pipeline_id, key);


--
-- Name: email_ledger uq_email_ledger_crm; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.email_ledger
    ADD CONSTRAINT uq_email_ledger_crm UNIQUE (crm, deal_id, message_id);


--
-- Name: outbox uq_outbox_id; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.outbox
    ADD CONSTRAINT uq_outbox_id UNIQUE (id);


--
-- Name: outbox uq_outbox_user_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.outbox
    ADD CONSTRAINT uq_outbox_user_key UNIQUE (user_key, idempotency_key);


--
-- Name: ix_audit_log_change_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_audit_log_change_id ON public.audit_log USING btree (change_id);


--
-- Name: ix_crm_activity_deal_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_crm_activity_deal_id ON public.crm_activity USING btree (deal_id);


--
-- Name: ix_outbox_pending; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_outbox_pending ON public.outbox USING btree (state, crm, deal_id, seq);


--
-- Name: crm_activity fk_crm_activity_deal_id; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.crm_activity
    ADD CONSTRAINT fk_crm_activity_deal_id FOREIGN KEY (deal_id) REFERENCES public.crm_deal(id);


--
-- Name: crm_contact fk_crm_contact_account_id; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.crm_contact
    ADD CONSTRAINT fk_crm_contact_account_id FOREIGN KEY (account_id) REFERENCES public.crm_account(id);


--
-- Name: crm_deal fk_crm_deal_account_id; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.crm_deal
    ADD CONSTRAINT fk_crm_deal_account_id FOREIGN KEY (account_id) REFERENCES public.crm_account(id);


--
-- Name: crm_deal_contact fk_crm_deal_contact_contact_id; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.crm_deal_contact
    ADD CONSTRAINT fk_crm_deal_contact_contact_id FOREIGN KEY (contact_id) REFERENCES public.crm_contact(id);


--
-- Name: crm_deal_contact fk_crm_deal_contact_deal_id; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.crm_deal_contact
    ADD CONSTRAINT fk_crm_deal_contact_deal_id FOREIGN KEY (deal_id) REFERENCES public.crm_deal(id);


--
-- Name: crm_deal fk_crm_deal_pipeline_id; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.crm_deal
    ADD CONSTRAINT fk_crm_deal_pipeline_id FOREIGN KEY (pipeline_id) REFERENCES public.crm_pipeline(id);


--
-- Name: crm_deal fk_crm_deal_stage_id; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.crm_deal
    ADD CONSTRAINT fk_crm_deal_stage_id FOREIGN KEY (stage_id) REFERENCES public.crm_stage(id);


--
-- Name: crm_deal_team fk_crm_deal_team_deal_id; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.crm_deal_team
    ADD CONSTRAINT fk_crm_deal_team_deal_id FOREIGN KEY (deal_id) REFERENCES public.crm_deal(id);


--
-- Name: crm_stage fk_crm_stage_pipeline_id; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.crm_stage
    ADD CONSTRAINT fk_crm_stage_pipeline_id FOREIGN KEY (pipeline_id) REFERENCES public.crm_pipeline(id);


--
-- PostgreSQL database dump complete
--


