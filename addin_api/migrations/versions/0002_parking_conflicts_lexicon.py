"""Parked changes, in-progress idempotency keys, who changed a deal, and the learned lexicon.

Revision ID: 0002_parking_conflicts_lexicon
Revises: 0001_baseline

- outbox.state holds `needs_connect` (13 characters); outbox.failures counts unexpected failures apart
  from attempts, so a bug is given up on quickly while an unreachable CRM keeps its backoff.
- idempotency_keys.status_code/body are empty while the first request is still running.
- crm_deal.updated_by names who last changed an embedded-CRM deal (shown in a conflict).
- lexicon_*: each organisation's learned sentiment terms and the ratings that taught them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_parking_conflicts_lexicon"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply the changes listed above; existing rows keep their values."""
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column("state", existing_type=sa.String(10), type_=sa.String(16), existing_nullable=False)
        batch.add_column(sa.Column("failures", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.alter_column("status_code", existing_type=sa.Integer(), nullable=True)
        batch.alter_column("body", existing_type=sa.JSON(), nullable=True)
    with op.batch_alter_table("crm_deal") as batch:
        batch.add_column(sa.Column("updated_by", sa.String(320), nullable=True))
    op.create_table(
        "lexicon_orgs",
        sa.Column("org", sa.String(255), nullable=False),
        sa.Column("pos_votes", sa.Integer(), nullable=False),
        sa.Column("neg_votes", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("org", name="pk_lexicon_orgs"),
    )
    op.create_table(
        "lexicon_terms",
        sa.Column("org", sa.String(255), nullable=False),
        sa.Column("term", sa.String(200), nullable=False),
        sa.Column("pos", sa.Integer(), nullable=False),
        sa.Column("neg", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("org", "term", name="pk_lexicon_terms"),
    )
    op.create_table(
        "lexicon_votes",
        sa.Column("org", sa.String(255), nullable=False),
        sa.Column("user_key", sa.String(200), nullable=False),
        sa.Column("message_key", sa.String(64), nullable=False),
        sa.Column("rating", sa.String(8), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("org", "user_key", "message_key", name="pk_lexicon_votes"),
    )


def downgrade() -> None:
    """Not supported: restore the backup taken before upgrading."""
    raise NotImplementedError(
        "downgrade is not supported: restore the database backup taken before upgrading"
    )
