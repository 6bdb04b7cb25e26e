"""One per-rep token table for every CRM, and write-ahead records of emails created in a CRM.

Revision ID: 0003_crm_neutral_store
Revises: 0002_parking_conflicts_lexicon

- crm_tokens replaces salesforce_tokens: the same columns plus `crm`; existing rows are kept as
  `salesforce` (their ciphertexts stay readable: Salesforce keeps its encryption context).
- crm_connect_tickets replaces salesforce_connect_tickets (used links; short-lived, not copied).
- crm_email_claims: a row written before an email is created in a CRM without idempotent creates
  (HubSpot), completed with the CRM's id, so a retry after a lost answer finds the email.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_crm_neutral_store"
down_revision = "0002_parking_conflicts_lexicon"
branch_labels = None
depends_on = None


def _utc():
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the CRM-neutral tables, move Salesforce's tokens over, drop the Salesforce-only tables."""
    op.create_table(
        "crm_tokens",
        sa.Column("crm", sa.String(20), nullable=False),
        sa.Column("user_key", sa.String(200), nullable=False),
        sa.Column("instance_url", sa.String(255), nullable=False),
        sa.Column("refresh_token", sa.Text(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("crm", "user_key", name="pk_crm_tokens"),
    )
    op.execute(
        "INSERT INTO crm_tokens (crm, user_key, instance_url, refresh_token, updated_at) "
        "SELECT 'salesforce', user_key, instance_url, refresh_token, updated_at FROM salesforce_tokens"
    )
    op.drop_table("salesforce_tokens")
    op.create_table(
        "crm_connect_tickets",
        sa.Column("ticket_id", sa.String(64), nullable=False),
        sa.Column("used_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("ticket_id", name="pk_crm_connect_tickets"),
    )
    op.drop_table("salesforce_connect_tickets")
    op.create_table(
        "crm_email_claims",
        sa.Column("crm", sa.String(20), nullable=False),
        sa.Column("account", sa.String(64), nullable=False),
        sa.Column("deal_id", sa.String(64), nullable=False),
        sa.Column("message_key", sa.String(64), nullable=False),
        sa.Column("email_id", sa.String(64), nullable=True),
        sa.Column("claim", sa.String(36), nullable=False),
        sa.Column("claimed_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("crm", "account", "deal_id", "message_key", name="pk_crm_email_claims"),
    )


def downgrade() -> None:
    """Not supported: restore the database backup taken before upgrading."""
    raise NotImplementedError("downgrade is not supported; restore the backup taken before upgrading")
