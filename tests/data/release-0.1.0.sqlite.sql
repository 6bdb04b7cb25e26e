BEGIN TRANSACTION;
CREATE TABLE audit_log (
	id INTEGER NOT NULL, 
	at DATETIME NOT NULL, 
	user_key VARCHAR(200) NOT NULL, 
	user_email VARCHAR(320) NOT NULL, 
	crm VARCHAR(20) NOT NULL, 
	deal_id VARCHAR(64) NOT NULL, 
	op VARCHAR(20) NOT NULL, 
	"before" JSON, 
	"after" JSON NOT NULL, 
	change_id VARCHAR(36) NOT NULL, 
	CONSTRAINT pk_audit_log PRIMARY KEY (id)
);
INSERT INTO "audit_log" VALUES(1,'2026-11-30 05:26:26.275741','3c8a5e21-9d4f-4b6a-8e17-6f2d0c9b5a48:6d537603-5994-55d0-8466-9c10625cd44e','rep@demo.example','local','1','update_deal','{"stage": "technical_fit", "next_step": "Security questionnaire back by Friday"}','{"version": "1|108eac28f312dcbb", "stage": "business_case_approved", "next_step": "CFO sign-off"}','1400ccb2-4121-4293-ad16-8e34cbfdec96');
INSERT INTO "audit_log" VALUES(2,'2026-11-30 05:26:26.304620','3c8a5e21-9d4f-4b6a-8e17-6f2d0c9b5a48:6d537603-5994-55d0-8466-9c10625cd44e','rep@demo.example','local','1','log_email','null','{"message_id": "<release-1@northwind.example>", "subject": "Re: pricing", "from": "nadia@northwind.example", "to": ["rep@demo.example"], "cc": [], "sent_at": "2026-11-20T10:00:00+00:00", "direction": "inbound", "rating": "positive"}','0c2c1d96-f0f9-44c4-9b1a-107855d5d8d0');
INSERT INTO "audit_log" VALUES(3,'2026-11-30 05:26:26.330443','3c8a5e21-9d4f-4b6a-8e17-6f2d0c9b5a48:6d537603-5994-55d0-8466-9c10625cd44e','rep@demo.example','local','2','update_deal','{"stage": "solution_evaluation", "next_step": "Demo for the analytics team"}','{"version": "1|97244d4e1fb545b3", "next_step": "Queued in 0.1.0"}','68e07197-d2b0-4cfe-a43a-33bc4fe44467');
CREATE TABLE crm_account (
	id INTEGER NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	domain VARCHAR(200) NOT NULL, 
	CONSTRAINT pk_crm_account PRIMARY KEY (id)
);
INSERT INTO "crm_account" VALUES(1,'Northwind Logistics','northwind.example');
INSERT INTO "crm_account" VALUES(2,'Contoso Health','contoso.example');
INSERT INTO "crm_account" VALUES(3,'Fabrikam Manufacturing','fabrikam.example');
INSERT INTO "crm_account" VALUES(4,'Tailspin Travel','tailspin.example');
CREATE TABLE crm_activity (
	id INTEGER NOT NULL, 
	deal_id INTEGER NOT NULL, 
	message_id VARCHAR(998) NOT NULL, 
	subject VARCHAR(998) NOT NULL, 
	from_address VARCHAR(320) NOT NULL, 
	"to" JSON NOT NULL, 
	cc JSON NOT NULL, 
	sent_at DATETIME NOT NULL, 
	direction VARCHAR(8) NOT NULL, 
	body TEXT NOT NULL, 
	rating VARCHAR(8), 
	CONSTRAINT pk_crm_activity PRIMARY KEY (id), 
	CONSTRAINT uq_crm_activity_deal_id UNIQUE (deal_id, message_id), 
	CONSTRAINT fk_crm_activity_deal_id FOREIGN KEY(deal_id) REFERENCES crm_deal (id)
);
INSERT INTO "crm_activity" VALUES(1,1,'<nw-fleet.in0@mail.demo.example>','Question on pricing','nadia@northwind.example','["rep@demo.example"]','[]','2026-11-28 04:26:26.200312','inbound','Thanks — see my notes below.',NULL);
INSERT INTO "crm_activity" VALUES(2,1,'<nw-fleet.in1@mail.demo.example>','Re: security review','nadia@northwind.example','["rep@demo.example"]','[]','2026-11-21 03:26:26.200312','inbound','Thanks — see my notes below.',NULL);
INSERT INTO "crm_activity" VALUES(3,1,'<nw-fleet.in2@mail.demo.example>','Availability next week','nadia@northwind.example','["rep@demo.example"]','[]','2026-11-14 02:26:26.200312','inbound','Thanks — see my notes below.',NULL);
INSERT INTO "crm_activity" VALUES(4,1,'<nw-fleet.out0@mail.demo.example>','Agenda for Thursday','rep@demo.example','["nadia@northwind.example"]','[]','2026-11-29 04:26:26.200312','outbound','Following up on our conversation.',NULL);
INSERT INTO "crm_activity" VALUES(5,1,'<nw-fleet.out1@mail.demo.example>','Checking in','rep@demo.example','["nadia@northwind.example"]','[]','2026-11-22 03:26:26.200312','outbound','Following up on our conversation.',NULL);
INSERT INTO "crm_activity" VALUES(6,1,'<nw-fleet.out2@mail.demo.example>','Case study you asked for','rep@demo.example','["nadia@northwind.example"]','[]','2026-11-15 02:26:26.200312','outbound','Following up on our conversation.',NULL);
INSERT INTO "crm_activity" VALUES(7,2,'<nw-analytics.in0@mail.demo.example>','Feedback from the team','leo@northwind.example','["rep@demo.example"]','[]','2026-10-27 04:26:26.200312','inbound','Thanks — see my notes below.',NULL);
INSERT INTO "crm_activity" VALUES(8,2,'<nw-analytics.in1@mail.demo.example>','Re: contract terms','leo@northwind.example','["rep@demo.example"]','[]','2026-10-11 03:26:26.200312','inbound','Thanks — see my notes below.',NULL);
INSERT INTO "crm_activity" VALUES(9,2,'<nw-analytics.out0@mail.demo.example>','Follow-up from our call','rep@demo.example','["leo@northwind.example"]','[]','2026-11-25 04:26:26.200312','outbound','Following up on our conversation.',NULL);
INSERT INTO "crm_activity" VALUES(10,2,'<nw-analytics.out1@mail.demo.example>','Proposal and timeline','rep@demo.example','["leo@northwind.example"]','[]','2026-11-10 03:26:26.200312','outbound','Following up on our conversation.',NULL);
INSERT INTO "crm_activity" VALUES(11,2,'<nw-analytics.out2@mail.demo.example>','Agenda for Thursday','rep@demo.example','["leo@northwind.example"]','[]','2026-10-28 02:26:26.200312','outbound','Following up on our conversation.',NULL);
INSERT INTO "crm_activity" VALUES(12,3,'<contoso-clinics.in0@mail.demo.example>','Question on pricing','omar@contoso.example','["rep@demo.example"]','[]','2026-11-29 04:26:26.200312','inbound','Thanks — see my notes below.',NULL);
INSERT INTO "crm_activity" VALUES(13,3,'<contoso-clinics.in1@mail.demo.example>','Re: security review','omar@contoso.example','["rep@demo.example"]','[]','2026-11-26 03:26:26.200312','inbound','Thanks — see my notes below.',NULL);
INSERT INTO "crm_activity" VALUES(14,3,'<contoso-clinics.in2@mail.demo.example>','Availability next week','omar@contoso.example','["rep@demo.example"]','[]','2026-11-18 02:26:26.200312','inbound','Thanks — see my notes below.',NULL);
INSERT INTO "crm_activity" VALUES(15,3,'<contoso-clinics.out0@mail.demo.example>','Checking in','rep@demo.example','["omar@contoso.example"]','[]','2026-11-28 04:26:26.200312','outbound','Following up on our conversation.',NULL);
INSERT INTO "crm_activity" VALUES(16,3,'<contoso-clinics.out1@mail.demo.example>','Case study you asked for','rep@demo.example','["omar@contoso.example"]','[]','2026-11-24 03:26:26.200312','outbound','Following up on our conversation.',NULL);
INSERT INTO "crm_activity" VALUES(17,4,'<contoso-pilot.in0@mail.demo.example>','Re: contract terms','omar@contoso.example','["rep2@demo.example"]','[]','2026-11-27 04:26:26.200312','inbound','Thanks — see my notes below.',NULL);
INSERT INTO "crm_activity" VALUES(18,4,'<contoso-pilot.out0@mail.demo.example>','Proposal and timeline','rep2@demo.example','["omar@contoso.example"]','[]','2026-11-26 04:26:26.200312','outbound','Following up on our conversation.',NULL);
INSERT INTO "crm_activity" VALUES(19,5,'<contoso-renewal.in0@mail.demo.example>','Question on pricing','julia@contoso.example','["rep@demo.example"]','[]','2026-10-23 04:26:26.200312','inbound','Thanks — see my notes below.',NULL);
INSERT INTO "crm_activity" VALUES(20,5,'<contoso-renewal.out0@mail.demo.example>','Checking in','rep@demo.example','["julia@contoso.example"]','[]','2026-11-27 04:26:26.200312','outbound','Following up on our conversation.',NULL);
INSERT INTO "crm_activity" VALUES(21,5,'<contoso-renewal.out1@mail.demo.example>','Case study you asked for','rep@demo.example','["julia@contoso.example"]','[]','2026-11-20 03:26:26.200312','outbound','Following up on our conversation.',NULL);
INSERT INTO "crm_activity" VALUES(22,5,'<contoso-renewal.out2@mail.demo.example>','Updated quote','rep@demo.example','["julia@contoso.example"]','[]','2026-11-06 02:26:26.200312','outbound','Following up on our conversation.',NULL);
INSERT INTO "crm_activity" VALUES(23,5,'<contoso-renewal.out3@mail.demo.example>','Follow-up from our call','rep@demo.example','["julia@contoso.example"]','[]','2026-10-24 01:26:26.200312','outbound','Following up on our conversation.',NULL);
INSERT INTO "crm_activity" VALUES(24,6,'<fab-quality.in0@mail.demo.example>','Re: proposal draft','maria@fabrikam.example','["rep@demo.example"]','[]','2026-11-24 04:26:26.200312','inbound','Thanks — see my notes below.',NULL);
INSERT INTO "crm_activity" VALUES(25,6,'<fab-quality.in1@mail.demo.example>','Feedback from the team','maria@fabrikam.example','["rep@demo.example"]','[]','2026-11-17 03:26:26.200312','inbound','Thanks — see my notes below.',NULL);
INSERT INTO "crm_activity" VALUES(26,6,'<fab-quality.out0@mail.demo.example>','Updated quote','rep@demo.example','["maria@fabrikam.example"]','[]','2026-11-25 04:26:26.200312','outbound','Following up on our conversation.',NULL);
INSERT INTO "crm_activity" VALUES(27,6,'<fab-quality.out1@mail.demo.example>','Follow-up from our call','rep@demo.example','["maria@fabrikam.example"]','[]','2026-11-18 03:26:26.200312','outbound','Following up on our conversation.',NULL);
INSERT INTO "crm_activity" VALUES(28,7,'<fab-erp.in0@mail.demo.example>','Re: next steps','ines@fabrikam.example','["rep@demo.example"]','[]','2026-10-16 04:26:26.200312','inbound','Thanks — see my notes below.',NULL);
INSERT INTO "crm_activity" VALUES(29,7,'<fab-erp.in1@mail.demo.example>','Question on pricing','ines@fabrikam.example','["rep@demo.example"]','[]','2026-10-01 03:26:26.200312','inbound','Thanks — see my notes below.',NULL);
INSERT INTO "crm_activity" VALUES(30,7,'<fab-erp.out0@mail.demo.example>','Proposal and timeline','rep@demo.example','["ines@fabrikam.example"]','[]','2026-10-30 04:26:26.200312','outbound','Following up on our conversation.',NULL);
INSERT INTO "crm_activity" VALUES(31,7,'<fab-erp.out1@mail.demo.example>','Agenda for Thursday','rep@demo.example','["ines@fabrikam.example"]','[]','2026-10-17 03:26:26.200312','outbound','Following up on our conversation.',NULL);
INSERT INTO "crm_activity" VALUES(32,8,'<fab-expansion.in0@mail.demo.example>','Re: contract terms','tom@fabrikam.example','["rep2@demo.example"]','[]','2026-11-22 04:26:26.200312','inbound','Thanks — see my notes below.',NULL);
INSERT INTO "crm_activity" VALUES(33,8,'<fab-expansion.out0@mail.demo.example>','Proposal and timeline','rep2@demo.example','["tom@fabrikam.example"]','[]','2026-11-23 04:26:26.200312','outbound','Following up on our conversation.',NULL);
INSERT INTO "crm_activity" VALUES(34,9,'<tail-crm.in0@mail.demo.example>','Question on pricing','paul@tailspin.example','["rep@demo.example"]','[]','2026-11-28 04:26:26.200312','inbound','Thanks — see my notes below.',NULL);
INSERT INTO "crm_activity" VALUES(35,9,'<tail-crm.in1@mail.demo.example>','Re: security review','paul@tailspin.example','["rep@demo.example"]','[]','2026-11-25 03:26:26.200312','inbound','Thanks — see my notes below.',NULL);
INSERT INTO "crm_activity" VALUES(36,9,'<tail-crm.out0@mail.demo.example>','Agenda for Thursday','rep@demo.example','["paul@tailspin.example"]','[]','2026-11-29 04:26:26.200312','outbound','Following up on our conversation.',NULL);
INSERT INTO "crm_activity" VALUES(37,9,'<tail-crm.out1@mail.demo.example>','Checking in','rep@demo.example','["paul@tailspin.example"]','[]','2026-11-27 03:26:26.200312','outbound','Following up on our conversation.',NULL);
INSERT INTO "crm_activity" VALUES(38,10,'<tail-ai.in0@mail.demo.example>','Re: next steps','paul@tailspin.example','["rep2@demo.example"]','[]','2026-11-11 04:26:26.200312','inbound','Thanks — see my notes below.',NULL);
INSERT INTO "crm_activity" VALUES(39,10,'<tail-ai.in1@mail.demo.example>','Question on pricing','paul@tailspin.example','["rep2@demo.example"]','[]','2026-11-01 03:26:26.200312','inbound','Thanks — see my notes below.',NULL);
INSERT INTO "crm_activity" VALUES(40,10,'<tail-ai.out0@mail.demo.example>','Proposal and timeline','rep2@demo.example','["paul@tailspin.example"]','[]','2026-11-12 04:26:26.200312','outbound','Following up on our conversation.',NULL);
INSERT INTO "crm_activity" VALUES(41,11,'<tail-2025.in0@mail.demo.example>','Re: security review','sofia@tailspin.example','["rep@demo.example"]','[]','2026-10-21 04:26:26.200312','inbound','Thanks — see my notes below.',NULL);
INSERT INTO "crm_activity" VALUES(42,11,'<tail-2025.out0@mail.demo.example>','Checking in','rep@demo.example','["sofia@tailspin.example"]','[]','2026-10-20 04:26:26.200312','outbound','Following up on our conversation.',NULL);
INSERT INTO "crm_activity" VALUES(43,12,'<nw-legacy.in0@mail.demo.example>','Re: security review','grace@northwind.example','["rep@demo.example"]','[]','2026-09-01 04:26:26.200312','inbound','Thanks — see my notes below.',NULL);
INSERT INTO "crm_activity" VALUES(44,12,'<nw-legacy.out0@mail.demo.example>','Checking in','rep@demo.example','["grace@northwind.example"]','[]','2026-08-31 04:26:26.200312','outbound','Following up on our conversation.',NULL);
INSERT INTO "crm_activity" VALUES(45,1,'<release-1@northwind.example>','Re: pricing','nadia@northwind.example','["rep@demo.example"]','[]','2026-11-20 10:00:00.000000','inbound','Looks good','positive');
CREATE TABLE crm_contact (
	id INTEGER NOT NULL, 
	account_id INTEGER NOT NULL, 
	email VARCHAR(320) NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	title VARCHAR(200) NOT NULL, 
	CONSTRAINT pk_crm_contact PRIMARY KEY (id), 
	CONSTRAINT fk_crm_contact_account_id FOREIGN KEY(account_id) REFERENCES crm_account (id), 
	CONSTRAINT uq_crm_contact_email UNIQUE (email)
);
INSERT INTO "crm_contact" VALUES(1,1,'nadia@northwind.example','Nadia Patel','VP Operations');
INSERT INTO "crm_contact" VALUES(2,1,'leo@northwind.example','Leo Brandt','IT Director');
INSERT INTO "crm_contact" VALUES(3,1,'grace@northwind.example','Grace Okafor','CFO');
INSERT INTO "crm_contact" VALUES(4,2,'omar@contoso.example','Omar Haddad','Chief Medical Officer');
INSERT INTO "crm_contact" VALUES(5,2,'julia@contoso.example','Julia Weiss','Head of Procurement');
INSERT INTO "crm_contact" VALUES(6,2,'ken@contoso.example','Ken Sato','Security Lead');
INSERT INTO "crm_contact" VALUES(7,3,'maria@fabrikam.example','Maria Rossi','Plant Manager');
INSERT INTO "crm_contact" VALUES(8,3,'tom@fabrikam.example','Tom Becker','COO');
INSERT INTO "crm_contact" VALUES(9,3,'ines@fabrikam.example','Ines Duarte','Finance Controller');
INSERT INTO "crm_contact" VALUES(10,4,'paul@tailspin.example','Paul Martin','CTO');
INSERT INTO "crm_contact" VALUES(11,4,'sofia@tailspin.example','Sofia Lind','Head of Sales Ops');
CREATE TABLE crm_deal (
	id INTEGER NOT NULL, 
	account_id INTEGER NOT NULL, 
	pipeline_id INTEGER NOT NULL, 
	stage_id INTEGER NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	amount NUMERIC(18, 2), 
	currency VARCHAR(3) NOT NULL, 
	close_date DATE, 
	next_step VARCHAR(255) NOT NULL, 
	owner_email VARCHAR(320) NOT NULL, 
	owner_name VARCHAR(200) NOT NULL, 
	probability INTEGER, 
	revision INTEGER NOT NULL, 
	updated_at DATETIME NOT NULL, 
	bc_problem TEXT, 
	bc_root_cause TEXT, 
	bc_why_it_matters TEXT, 
	bc_budget TEXT, 
	bc_compelling_event TEXT, 
	bc_risks TEXT, 
	CONSTRAINT pk_crm_deal PRIMARY KEY (id), 
	CONSTRAINT fk_crm_deal_account_id FOREIGN KEY(account_id) REFERENCES crm_account (id), 
	CONSTRAINT fk_crm_deal_pipeline_id FOREIGN KEY(pipeline_id) REFERENCES crm_pipeline (id), 
	CONSTRAINT fk_crm_deal_stage_id FOREIGN KEY(stage_id) REFERENCES crm_stage (id)
);
INSERT INTO "crm_deal" VALUES(1,1,1,4,'Northwind fleet visibility',184000,'USD','2027-01-09','CFO sign-off','rep@demo.example','Riley Rep',65,2,'2026-11-30 05:26:26.288262','Dispatchers cannot see late trucks until customers call.','Telematics data sits in three vendor portals.','Late deliveries cost $2.1M in penalties last year.','Approved in the FY27 operations budget','New retail contract starts in March','IT bandwidth during the ERP upgrade');
INSERT INTO "crm_deal" VALUES(2,1,1,2,'Northwind analytics add-on',36000,'USD','2027-02-13','Demo for the analytics team','rep@demo.example','Riley Rep',25,1,'2026-11-30 05:26:26.207559',NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO "crm_deal" VALUES(3,2,1,4,'Contoso clinic scheduling',420000,'EUR','2026-12-21','Procurement to confirm legal review slot','rep@demo.example','Riley Rep',65,1,'2026-11-30 05:26:26.207748','No-show rate of 18% across 40 clinics.','Manual reminder calls.','Each no-show is ~€160 of lost revenue.','€450k capex line','Board review in January','Data-protection review may slip');
INSERT INTO "crm_deal" VALUES(4,2,1,1,'Contoso telehealth pilot',25000,'EUR','2027-03-30','Discovery call with Omar','rep2@demo.example','Sam Seller',10,1,'2026-11-30 05:26:26.207942',NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO "crm_deal" VALUES(5,2,1,5,'Contoso 2027 renewal',98000,'EUR','2026-12-10','Chase signature','rep@demo.example','Riley Rep',85,1,'2026-11-30 05:26:26.208043',NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO "crm_deal" VALUES(6,3,1,2,'Fabrikam quality inspection',150000,'USD','2027-01-29','Site visit in Lyon','rep@demo.example','Riley Rep',25,1,'2026-11-30 05:26:26.208178','Defects found late at final inspection.',NULL,'Scrap is 4% of output.',NULL,NULL,NULL);
INSERT INTO "crm_deal" VALUES(7,3,1,3,'Fabrikam ERP connector',64000,'USD','2027-01-14','','rep@demo.example','Riley Rep',45,1,'2026-11-30 05:26:26.208323',NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO "crm_deal" VALUES(8,3,1,1,'Fabrikam plant #2 expansion',210000,'USD','2027-04-29','Map stakeholders at plant #2','rep2@demo.example','Sam Seller',10,1,'2026-11-30 05:26:26.208532',NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO "crm_deal" VALUES(9,4,1,5,'Tailspin booking CRM sync',72000,'GBP','2026-12-14','Redlines from legal','rep@demo.example','Riley Rep',85,1,'2026-11-30 05:26:26.208695',NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO "crm_deal" VALUES(10,4,1,2,'Tailspin AI itinerary assistant',130000,'GBP','2027-02-28','Send ROI model','rep2@demo.example','Sam Seller',25,1,'2026-11-30 05:26:26.208838',NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO "crm_deal" VALUES(11,4,1,6,'Tailspin 2025 licences',54000,'GBP','2026-10-31','','rep@demo.example','Riley Rep',100,1,'2026-11-30 05:26:26.208945',NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO "crm_deal" VALUES(12,1,1,7,'Northwind legacy migration',80000,'USD','2026-10-01','','rep@demo.example','Riley Rep',0,1,'2026-11-30 05:26:26.209094',NULL,NULL,NULL,NULL,NULL,NULL);
CREATE TABLE crm_deal_contact (
	deal_id INTEGER NOT NULL, 
	contact_id INTEGER NOT NULL, 
	role VARCHAR(80) NOT NULL, 
	is_primary BOOLEAN NOT NULL, 
	CONSTRAINT pk_crm_deal_contact PRIMARY KEY (deal_id, contact_id), 
	CONSTRAINT fk_crm_deal_contact_deal_id FOREIGN KEY(deal_id) REFERENCES crm_deal (id), 
	CONSTRAINT fk_crm_deal_contact_contact_id FOREIGN KEY(contact_id) REFERENCES crm_contact (id)
);
INSERT INTO "crm_deal_contact" VALUES(1,1,'Champion',1);
INSERT INTO "crm_deal_contact" VALUES(1,2,'Technical buyer',0);
INSERT INTO "crm_deal_contact" VALUES(1,3,'Economic buyer',0);
INSERT INTO "crm_deal_contact" VALUES(2,2,'Champion',1);
INSERT INTO "crm_deal_contact" VALUES(3,4,'Economic buyer',1);
INSERT INTO "crm_deal_contact" VALUES(3,5,'Procurement',0);
INSERT INTO "crm_deal_contact" VALUES(3,6,'Security',0);
INSERT INTO "crm_deal_contact" VALUES(4,4,'Champion',1);
INSERT INTO "crm_deal_contact" VALUES(5,5,'Economic buyer',1);
INSERT INTO "crm_deal_contact" VALUES(6,7,'Champion',1);
INSERT INTO "crm_deal_contact" VALUES(6,8,'Economic buyer',0);
INSERT INTO "crm_deal_contact" VALUES(7,9,'Finance approver',1);
INSERT INTO "crm_deal_contact" VALUES(8,8,'Economic buyer',1);
INSERT INTO "crm_deal_contact" VALUES(9,10,'Economic buyer',1);
INSERT INTO "crm_deal_contact" VALUES(9,11,'Champion',0);
INSERT INTO "crm_deal_contact" VALUES(10,10,'Champion',1);
INSERT INTO "crm_deal_contact" VALUES(11,11,'Economic buyer',1);
INSERT INTO "crm_deal_contact" VALUES(12,3,'Economic buyer',1);
CREATE TABLE crm_deal_team (
	deal_id INTEGER NOT NULL, 
	email VARCHAR(320) NOT NULL, 
	CONSTRAINT pk_crm_deal_team PRIMARY KEY (deal_id, email), 
	CONSTRAINT fk_crm_deal_team_deal_id FOREIGN KEY(deal_id) REFERENCES crm_deal (id)
);
INSERT INTO "crm_deal_team" VALUES(1,'rep2@demo.example');
INSERT INTO "crm_deal_team" VALUES(8,'rep@demo.example');
CREATE TABLE crm_pipeline (
	id INTEGER NOT NULL, 
	name VARCHAR(100) NOT NULL, 
	CONSTRAINT pk_crm_pipeline PRIMARY KEY (id)
);
INSERT INTO "crm_pipeline" VALUES(1,'Sales');
CREATE TABLE crm_stage (
	id INTEGER NOT NULL, 
	pipeline_id INTEGER NOT NULL, 
	"key" VARCHAR(80) NOT NULL, 
	label VARCHAR(120) NOT NULL, 
	position INTEGER NOT NULL, 
	is_closed BOOLEAN NOT NULL, 
	is_won BOOLEAN NOT NULL, 
	probability INTEGER, 
	CONSTRAINT pk_crm_stage PRIMARY KEY (id), 
	CONSTRAINT uq_crm_stage_pipeline_id UNIQUE (pipeline_id, "key"), 
	CONSTRAINT fk_crm_stage_pipeline_id FOREIGN KEY(pipeline_id) REFERENCES crm_pipeline (id)
);
INSERT INTO "crm_stage" VALUES(1,1,'problem_identified','Problem identified',0,0,0,10);
INSERT INTO "crm_stage" VALUES(2,1,'solution_evaluation','Solution evaluation',1,0,0,25);
INSERT INTO "crm_stage" VALUES(3,1,'technical_fit','Technical fit',2,0,0,45);
INSERT INTO "crm_stage" VALUES(4,1,'business_case_approved','Business case approved',3,0,0,65);
INSERT INTO "crm_stage" VALUES(5,1,'contract_sent','Contract sent',4,0,0,85);
INSERT INTO "crm_stage" VALUES(6,1,'closed_won','Closed won',5,1,1,100);
INSERT INTO "crm_stage" VALUES(7,1,'closed_lost','Closed lost',6,1,0,0);
CREATE TABLE email_ledger (
	id INTEGER NOT NULL, 
	crm VARCHAR(20) NOT NULL, 
	deal_id VARCHAR(64) NOT NULL, 
	message_id VARCHAR(998) NOT NULL, 
	subject VARCHAR(998) NOT NULL, 
	direction VARCHAR(8) NOT NULL, 
	sent_at DATETIME NOT NULL, 
	rating VARCHAR(8), 
	user_key VARCHAR(200) NOT NULL, 
	updated_at DATETIME NOT NULL, 
	CONSTRAINT pk_email_ledger PRIMARY KEY (id), 
	CONSTRAINT uq_email_ledger_crm UNIQUE (crm, deal_id, message_id)
);
INSERT INTO "email_ledger" VALUES(1,'local','1','<release-1@northwind.example>','Re: pricing','inbound','2026-11-20 10:00:00.000000','positive','3c8a5e21-9d4f-4b6a-8e17-6f2d0c9b5a48:6d537603-5994-55d0-8466-9c10625cd44e','2026-11-30 05:26:26.311430');
CREATE TABLE idempotency_keys (
	user_key VARCHAR(200) NOT NULL, 
	"key" VARCHAR(200) NOT NULL, 
	request_hash VARCHAR(64) NOT NULL, 
	status_code INTEGER NOT NULL, 
	body JSON NOT NULL, 
	created_at DATETIME NOT NULL, 
	CONSTRAINT pk_idempotency_keys PRIMARY KEY (user_key, "key")
);
INSERT INTO "idempotency_keys" VALUES('3c8a5e21-9d4f-4b6a-8e17-6f2d0c9b5a48:6d537603-5994-55d0-8466-9c10625cd44e','release-1','8c42d43f4a860f9a7a304425fcf1f393964a22e74dffea12956cd4b2941f8a6e',200,'{"change": {"attempts": 1, "conflict": null, "deal_id": "1", "id": "1400ccb2-4121-4293-ad16-8e34cbfdec96", "op": "update_deal", "reason": null, "state": "done", "updated_at": "2026-11-30T05:26:26.294135+00:00"}, "deal": {"account_name": "Northwind Logistics", "activities": [{"direction": "outbound", "message_id": "<nw-fleet.out0@mail.demo.example>", "rating": null, "sent_at": "2026-11-29T04:26:26.200312+00:00", "subject": "Agenda for Thursday"}, {"direction": "inbound", "message_id": "<nw-fleet.in0@mail.demo.example>", "rating": null, "sent_at": "2026-11-28T04:26:26.200312+00:00", "subject": "Question on pricing"}, {"direction": "outbound", "message_id": "<nw-fleet.out1@mail.demo.example>", "rating": null, "sent_at": "2026-11-22T03:26:26.200312+00:00", "subject": "Checking in"}, {"direction": "inbound", "message_id": "<nw-fleet.in1@mail.demo.example>", "rating": null, "sent_at": "2026-11-21T03:26:26.200312+00:00", "subject": "Re: security review"}, {"direction": "outbound", "message_id": "<nw-fleet.out2@mail.demo.example>", "rating": null, "sent_at": "2026-11-15T02:26:26.200312+00:00", "subject": "Case study you asked for"}, {"direction": "inbound", "message_id": "<nw-fleet.in2@mail.demo.example>", "rating": null, "sent_at": "2026-11-14T02:26:26.200312+00:00", "subject": "Availability next week"}], "amount": "184000.00", "business_case": {"budget": "Approved in the FY27 operations budget", "compelling_event": "New retail contract starts in March", "problem": "Dispatchers cannot see late trucks until customers call.", "risks": "IT bandwidth during the ERP upgrade", "root_cause": "Telematics data sits in three vendor portals.", "why_it_matters": "Late deliveries cost $2.1M in penalties last year."}, "close_date": "2027-01-09", "currency": "USD", "editable": true, "health": {"days_since_inbound": 2, "going_dark": false, "inbound_count": 3, "last_inbound": "2026-11-28T04:26:26.200312+00:00", "last_outbound": "2026-11-29T04:26:26.200312+00:00", "outbound_count": 3}, "id": "1", "name": "Northwind fleet visibility", "next_step": "CFO sign-off", "owner_email": "rep@demo.example", "owner_name": "Riley Rep", "probability": 65, "stage": {"id": "business_case_approved", "is_closed": false, "is_won": false, "label": "Business case approved", "probability": 65}, "stages": [{"id": "problem_identified", "is_closed": false, "is_won": false, "label": "Problem identified", "probability": 10}, {"id": "solution_evaluation", "is_closed": false, "is_won": false, "label": "Solution evaluation", "probability": 25}, {"id": "technical_fit", "is_closed": false, "is_won": false, "label": "Technical fit", "probability": 45}, {"id": "business_case_approved", "is_closed": false, "is_won": false, "label": "Business case approved", "probability": 65}, {"id": "contract_sent", "is_closed": false, "is_won": false, "label": "Contract sent", "probability": 85}, {"id": "closed_won", "is_closed": true, "is_won": true, "label": "Closed won", "probability": 100}, {"id": "closed_lost", "is_closed": true, "is_won": false, "label": "Closed lost", "probability": 0}], "stakeholders": [{"contact_id": "1", "email": "nadia@northwind.example", "is_primary": true, "name": "Nadia Patel", "role": "Champion"}, {"contact_id": "2", "email": "leo@northwind.example", "is_primary": false, "name": "Leo Brandt", "role": "Technical buyer"}, {"contact_id": "3", "email": "grace@northwind.example", "is_primary": false, "name": "Grace Okafor", "role": "Economic buyer"}], "url": "http://127.0.0.1:8000/crm/deals/1?t=MQ.aw0JAg.EJ-19OhEKHqxy3ZGaHZk5NNhuVM", "version": "2|ed1e9f96dc3123ba"}}','2026-11-30 05:26:26.295262');
CREATE TABLE outbox (
	seq INTEGER NOT NULL, 
	id VARCHAR(36) NOT NULL, 
	crm VARCHAR(20) NOT NULL, 
	deal_id VARCHAR(64) NOT NULL, 
	op VARCHAR(20) NOT NULL, 
	payload JSON NOT NULL, 
	user_key VARCHAR(200) NOT NULL, 
	user JSON NOT NULL, 
	idempotency_key VARCHAR(200), 
	state VARCHAR(10) NOT NULL, 
	attempts INTEGER NOT NULL, 
	next_attempt_at DATETIME NOT NULL, 
	lease VARCHAR(36), 
	last_error TEXT, 
	result JSON, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	CONSTRAINT pk_outbox PRIMARY KEY (seq), 
	CONSTRAINT uq_outbox_user_key UNIQUE (user_key, idempotency_key), 
	CONSTRAINT uq_outbox_id UNIQUE (id)
);
INSERT INTO "outbox" VALUES(1,'1400ccb2-4121-4293-ad16-8e34cbfdec96','local','1','update_deal','{"version": "1|108eac28f312dcbb", "stage": "business_case_approved", "next_step": "CFO sign-off"}','3c8a5e21-9d4f-4b6a-8e17-6f2d0c9b5a48:6d537603-5994-55d0-8466-9c10625cd44e','{"email": "rep@demo.example", "subject": "6d537603-5994-55d0-8466-9c10625cd44e", "tenant": "3c8a5e21-9d4f-4b6a-8e17-6f2d0c9b5a48", "name": "Test Rep"}','release-1','done',1,'2026-11-30 05:27:26.275741',NULL,NULL,'null','2026-11-30 05:26:26.275741','2026-11-30 05:26:26.292188');
INSERT INTO "outbox" VALUES(2,'0c2c1d96-f0f9-44c4-9b1a-107855d5d8d0','local','1','log_email','{"message_id": "<release-1@northwind.example>", "subject": "Re: pricing", "from": "nadia@northwind.example", "to": ["rep@demo.example"], "cc": [], "sent_at": "2026-11-20T10:00:00+00:00", "direction": "inbound", "rating": "positive"}','3c8a5e21-9d4f-4b6a-8e17-6f2d0c9b5a48:6d537603-5994-55d0-8466-9c10625cd44e','{"email": "rep@demo.example", "subject": "6d537603-5994-55d0-8466-9c10625cd44e", "tenant": "3c8a5e21-9d4f-4b6a-8e17-6f2d0c9b5a48", "name": "Test Rep"}',NULL,'done',1,'2026-11-30 05:27:26.304620',NULL,NULL,'null','2026-11-30 05:26:26.304620','2026-11-30 05:26:26.314278');
INSERT INTO "outbox" VALUES(3,'68e07197-d2b0-4cfe-a43a-33bc4fe44467','local','2','update_deal','{"version": "1|97244d4e1fb545b3", "next_step": "Queued in 0.1.0"}','3c8a5e21-9d4f-4b6a-8e17-6f2d0c9b5a48:6d537603-5994-55d0-8466-9c10625cd44e','{"email": "rep@demo.example", "subject": "6d537603-5994-55d0-8466-9c10625cd44e", "tenant": "3c8a5e21-9d4f-4b6a-8e17-6f2d0c9b5a48", "name": "Test Rep"}',NULL,'queued',1,'2026-11-30 05:26:31.332999',NULL,'CRM timed out',NULL,'2026-11-30 05:26:26.330443','2026-11-30 05:26:26.333153');
CREATE INDEX ix_audit_log_change_id ON audit_log (change_id);
CREATE INDEX ix_outbox_pending ON outbox (state, crm, deal_id, seq);
CREATE INDEX ix_crm_activity_deal_id ON crm_activity (deal_id);
COMMIT;
