"""Activity capture: folder cursors, counted items, counts written, passes; the embedded CRM's counts.

Revision ID: 0005_capture
Revises: 0004_email_sentiment

Headers only: no table holds a subject or a body.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_capture"
down_revision = "0004_email_sentiment"
branch_labels = None
depends_on = None

_WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the capture tables."""
    op.create_table(
        "capture_cursors",
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("mailbox", sa.String(320), nullable=False),
        sa.Column("folder", sa.String(40), nullable=False),
        sa.Column("cursor", sa.Text(), nullable=False),
        sa.Column("updated_at", _WHEN, nullable=False),
        sa.PrimaryKeyConstraint("source", "mailbox", "folder", name="pk_capture_cursors"),
    )
    op.create_table(
        "capture_items",
        sa.Column("crm", sa.String(20), nullable=False),
        sa.Column("deal_id", sa.String(64), nullable=False),
        sa.Column("key", sa.String(998), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("at", _WHEN, nullable=False),
        sa.Column("ref", sa.String(1100), nullable=False),
        sa.PrimaryKeyConstraint("crm", "deal_id", "key", name="pk_capture_items"),
    )
    op.create_index("ix_capture_items_ref", "capture_items", ["ref"])
    op.create_table(
        "capture_counts",
        sa.Column("crm", sa.String(20), nullable=False),
        sa.Column("deal_id", sa.String(64), nullable=False),
        sa.Column("inbound", sa.Integer(), nullable=False),
        sa.Column("outbound", sa.Integer(), nullable=False),
        sa.Column("last_inbound", _WHEN, nullable=True),
        sa.Column("last_outbound", _WHEN, nullable=True),
        sa.Column("meetings_held", sa.Integer(), nullable=False),
        sa.Column("next_meeting", _WHEN, nullable=True),
        sa.PrimaryKeyConstraint("crm", "deal_id", name="pk_capture_counts"),
    )
    op.create_table(
        "capture_passes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("started_at", _WHEN, nullable=False),
        sa.Column("finished_at", _WHEN, nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("deals", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_capture_passes"),
    )
    op.create_index("ix_capture_passes_finished_at", "capture_passes", ["finished_at"])
    op.create_table(
        "crm_captured_activity",
        sa.Column("deal_id", sa.Integer(), nullable=False),
        sa.Column("inbound_count", sa.Integer(), nullable=False),
        sa.Column("outbound_count", sa.Integer(), nullable=False),
        sa.Column("last_inbound", _WHEN, nullable=True),
        sa.Column("last_outbound", _WHEN, nullable=True),
        sa.Column("meetings_held", sa.Integer(), nullable=False),
        sa.Column("next_meeting", _WHEN, nullable=True),
        sa.Column("updated_at", _WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["crm_deal.id"], name="fk_crm_captured_activity_deal_id", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("deal_id", name="pk_crm_captured_activity"),
    )


def downgrade() -> None:
    """Migrations only go forward (restore a backup to go back)."""
    raise NotImplementedError("restore the backup taken before upgrading")
