"""The CRM cache shared by worker processes: picklists, pipelines and sealed access tokens.

Revision ID: 0008_crm_cache
Revises: 0007_view_stamp

No view reads it, so it gets no view-stamp triggers (addin_api/store/stamp.py lists it as unstamped):
a worker storing a picklist or a token must not throw the embedded CRM's cached answers away.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_crm_cache"
down_revision = "0007_view_stamp"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create `crm_cache`."""
    op.create_table(
        "crm_cache",
        sa.Column("key", sa.String(512), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_crm_cache"),
    )


def downgrade() -> None:
    """Drop `crm_cache` (entries are refetched)."""
    op.drop_table("crm_cache")
