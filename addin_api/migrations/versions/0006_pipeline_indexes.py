"""Indexes for the paginated pipeline: a rep's deals by close date, team membership by address, recent emails.

Revision ID: 0006_pipeline_indexes
Revises: 0005_capture
"""

from __future__ import annotations

from alembic import op

revision = "0006_pipeline_indexes"
down_revision = "0005_capture"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the three indexes."""
    op.create_index("ix_crm_deal_owner_close", "crm_deal", ["owner_email", "close_date", "id"])
    op.create_index("ix_crm_deal_team_email", "crm_deal_team", ["email"])
    op.create_index("ix_crm_activity_deal_sent", "crm_activity", ["deal_id", "sent_at"])


def downgrade() -> None:
    """Drop them."""
    op.drop_index("ix_crm_activity_deal_sent", table_name="crm_activity")
    op.drop_index("ix_crm_deal_team_email", table_name="crm_deal_team")
    op.drop_index("ix_crm_deal_owner_close", table_name="crm_deal")
