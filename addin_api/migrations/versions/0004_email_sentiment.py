"""How each logged email read: sentiment score, label and top terms on the email ledger.

Revision ID: 0004_email_sentiment
Revises: 0003_crm_neutral_store

- email_ledger.sentiment_*: scored when the email is logged or rated (with the org's learned terms);
  the email's text is never stored here. Empty on rows logged before this revision.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_email_sentiment"
down_revision = "0003_crm_neutral_store"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the three nullable sentiment columns; existing rows keep their values."""
    with op.batch_alter_table("email_ledger") as batch:
        batch.add_column(sa.Column("sentiment_score", sa.Float(), nullable=True))
        batch.add_column(sa.Column("sentiment_label", sa.String(8), nullable=True))
        batch.add_column(sa.Column("sentiment_terms", sa.JSON(), nullable=True))


def downgrade() -> None:
    """Not supported: restore the backup taken before upgrading."""
    raise NotImplementedError(
        "downgrade is not supported: restore the database backup taken before upgrading"
    )
