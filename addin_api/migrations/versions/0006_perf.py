"""Performance: indexes for the paginated pipeline; the CRM's id of each logged email in the ledger.

Revision ID: 0006_perf
Revises: 0005_capture

Indexes: a rep's deals by close date, team membership by address, a deal's recent emails. The ledger's
`crm_record_id` lets a re-rating update the CRM's record directly instead of finding it first.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_perf"
down_revision = "0005_capture"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the three indexes and the ledger column."""
    op.create_index("ix_crm_deal_owner_close", "crm_deal", ["owner_email", "close_date", "id"])
    op.create_index("ix_crm_deal_team_email", "crm_deal_team", ["email"])
    op.create_index("ix_crm_activity_deal_sent", "crm_activity", ["deal_id", "sent_at"])
    with op.batch_alter_table("email_ledger") as batch:
        batch.add_column(sa.Column("crm_record_id", sa.String(64), nullable=True))


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("email_ledger") as batch:
        batch.drop_column("crm_record_id")
    op.drop_index("ix_crm_activity_deal_sent", table_name="crm_activity")
    op.drop_index("ix_crm_deal_team_email", table_name="crm_deal_team")
    op.drop_index("ix_crm_deal_owner_close", table_name="crm_deal")
