"""Sidebar open: the embedded CRM finds a contact's deals by account and by stakeholder role through indexes.

Revision ID: 0009_fastdump
Revises: 0008_crm_cache

Without them each sidebar open scanned every deal and every stakeholder row once per matched contact.
"""

from __future__ import annotations

from alembic import op

revision = "0009_fastdump"
down_revision = "0008_crm_cache"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the two indexes."""
    op.create_index("ix_crm_deal_account", "crm_deal", ["account_id"])
    op.create_index("ix_crm_deal_contact_contact", "crm_deal_contact", ["contact_id"])


def downgrade() -> None:
    """Drop them."""
    op.drop_index("ix_crm_deal_contact_contact", table_name="crm_deal_contact")
    op.drop_index("ix_crm_deal_account", table_name="crm_deal")
