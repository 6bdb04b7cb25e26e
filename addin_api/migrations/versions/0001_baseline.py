"""Baseline: the schema of release 0.1.0 (app store, CRM tokens, embedded CRM).

Revision ID: 0001_baseline
Revises: (none)

Release 0.1.0 created its tables at start-up, and only those it used (the embedded CRM's tables only
with ADDIN_CRM=local, the Salesforce tables only with ADDIN_CRM=salesforce). So a database made by it
is adopted here: tables it already has are kept with their rows, the missing ones are created.
Names follow store/db.py's NAMING so later migrations can address every constraint and index.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_baseline"
down_revision = None
branch_labels = None
depends_on = None


def _utc():
    return sa.DateTime(timezone=True)


def _table(name: str, *elements) -> None:
    """Create the table (and its indexes) unless a database made by release 0.1.0 already has it."""
    if sa.inspect(op.get_bind()).has_table(name):
        return
    op.create_table(name, *elements)


def upgrade() -> None:
    """Create release 0.1.0's tables that are missing."""
    _store()
    _salesforce()
    _crm()
    _crm_deals()


def _store() -> None:
    _table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", _utc(), nullable=False),
        sa.Column("user_key", sa.String(200), nullable=False),
        sa.Column("user_email", sa.String(320), nullable=False),
        sa.Column("crm", sa.String(20), nullable=False),
        sa.Column("deal_id", sa.String(64), nullable=False),
        sa.Column("op", sa.String(20), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.Column("change_id", sa.String(36), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
        sa.Index("ix_audit_log_change_id", "change_id"),
    )
    _table(
        "email_ledger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("crm", sa.String(20), nullable=False),
        sa.Column("deal_id", sa.String(64), nullable=False),
        sa.Column("message_id", sa.String(998), nullable=False),
        sa.Column("subject", sa.String(998), nullable=False),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("sent_at", _utc(), nullable=False),
        sa.Column("rating", sa.String(8), nullable=True),
        sa.Column("user_key", sa.String(200), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_email_ledger"),
        sa.UniqueConstraint("crm", "deal_id", "message_id", name="uq_email_ledger_crm"),
    )
    _table(
        "idempotency_keys",
        sa.Column("user_key", sa.String(200), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("user_key", "key", name="pk_idempotency_keys"),
    )
    _table(
        "outbox",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("crm", sa.String(20), nullable=False),
        sa.Column("deal_id", sa.String(64), nullable=False),
        sa.Column("op", sa.String(20), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("user_key", sa.String(200), nullable=False),
        sa.Column("user", sa.JSON(), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=True),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", _utc(), nullable=False),
        sa.Column("lease", sa.String(36), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_outbox"),
        sa.UniqueConstraint("id", name="uq_outbox_id"),
        sa.UniqueConstraint("user_key", "idempotency_key", name="uq_outbox_user_key"),
        sa.Index("ix_outbox_pending", "state", "crm", "deal_id", "seq"),
    )


def _salesforce() -> None:
    _table(
        "salesforce_tokens",
        sa.Column("user_key", sa.String(200), nullable=False),
        sa.Column("instance_url", sa.String(255), nullable=False),
        sa.Column("refresh_token", sa.Text(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("user_key", name="pk_salesforce_tokens"),
    )
    _table(
        "salesforce_connect_tickets",
        sa.Column("ticket_id", sa.String(64), nullable=False),
        sa.Column("used_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("ticket_id", name="pk_salesforce_connect_tickets"),
    )


def _crm() -> None:
    _table(
        "crm_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("domain", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_crm_account"),
    )
    _table(
        "crm_pipeline",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_crm_pipeline"),
    )
    _table(
        "crm_contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["crm_account.id"], name="fk_crm_contact_account_id"),
        sa.PrimaryKeyConstraint("id", name="pk_crm_contact"),
        sa.UniqueConstraint("email", name="uq_crm_contact_email"),
    )
    _table(
        "crm_stage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pipeline_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(80), nullable=False),
        sa.Column("label", sa.String(120), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("is_closed", sa.Boolean(), nullable=False),
        sa.Column("is_won", sa.Boolean(), nullable=False),
        sa.Column("probability", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["pipeline_id"], ["crm_pipeline.id"], name="fk_crm_stage_pipeline_id"),
        sa.PrimaryKeyConstraint("id", name="pk_crm_stage"),
        sa.UniqueConstraint("pipeline_id", "key", name="uq_crm_stage_pipeline_id"),
    )


def _crm_deals() -> None:
    _table(
        "crm_deal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("pipeline_id", sa.Integer(), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("close_date", sa.Date(), nullable=True),
        sa.Column("next_step", sa.String(255), nullable=False),
        sa.Column("owner_email", sa.String(320), nullable=False),
        sa.Column("owner_name", sa.String(200), nullable=False),
        sa.Column("probability", sa.Integer(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        *(sa.Column(f"bc_{name}", sa.Text(), nullable=True) for name in _BUSINESS_CASE),
        sa.ForeignKeyConstraint(["account_id"], ["crm_account.id"], name="fk_crm_deal_account_id"),
        sa.ForeignKeyConstraint(["pipeline_id"], ["crm_pipeline.id"], name="fk_crm_deal_pipeline_id"),
        sa.ForeignKeyConstraint(["stage_id"], ["crm_stage.id"], name="fk_crm_deal_stage_id"),
        sa.PrimaryKeyConstraint("id", name="pk_crm_deal"),
    )
    _table(
        "crm_activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(998), nullable=False),
        sa.Column("subject", sa.String(998), nullable=False),
        sa.Column("from_address", sa.String(320), nullable=False),
        sa.Column("to", sa.JSON(), nullable=False),
        sa.Column("cc", sa.JSON(), nullable=False),
        sa.Column("sent_at", _utc(), nullable=False),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("rating", sa.String(8), nullable=True),
        sa.ForeignKeyConstraint(["deal_id"], ["crm_deal.id"], name="fk_crm_activity_deal_id"),
        sa.PrimaryKeyConstraint("id", name="pk_crm_activity"),
        sa.UniqueConstraint("deal_id", "message_id", name="uq_crm_activity_deal_id"),
        sa.Index("ix_crm_activity_deal_id", "deal_id"),
    )
    _table(
        "crm_deal_contact",
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(80), nullable=False),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["crm_contact.id"], name="fk_crm_deal_contact_contact_id"),
        sa.ForeignKeyConstraint(["deal_id"], ["crm_deal.id"], name="fk_crm_deal_contact_deal_id"),
        sa.PrimaryKeyConstraint("deal_id", "contact_id", name="pk_crm_deal_contact"),
    )
    _table(
        "crm_deal_team",
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.ForeignKeyConstraint(["deal_id"], ["crm_deal.id"], name="fk_crm_deal_team_deal_id"),
        sa.PrimaryKeyConstraint("deal_id", "email", name="pk_crm_deal_team"),
    )


# Fixed here, not read from the models: a migration describes the schema as it was at this revision.
_BUSINESS_CASE = ("problem", "root_cause", "why_it_matters", "budget", "compelling_event", "risks")


def downgrade() -> None:
    """Not supported: restore a backup taken before upgrading instead."""
    raise NotImplementedError("0001_baseline cannot be downgraded: restore a backup")
