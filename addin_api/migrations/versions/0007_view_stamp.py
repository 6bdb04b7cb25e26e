"""The data stamp: a counter SQLite's triggers move on every write a view could see.

Revision ID: 0007_view_stamp
Revises: 0006_perf

`view_stamp` holds one row. On SQLite, each table a deal view, sidebar or pipeline reads gets three
triggers (insert, update, delete) that add one to it in the writer's transaction, so repeated reads can
be answered from memory while the stamp is unchanged (addin_api/store/stamp.py). PostgreSQL reads its
transaction snapshot instead and needs no trigger. A later migration that adds a table a view reads
adds its triggers with `stamp_triggers` (tests/migrations checks none is missing).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_view_stamp"
down_revision = "0006_perf"
branch_labels = None
depends_on = None

TABLES = (
    "capture_counts",
    "capture_items",
    "capture_passes",
    "crm_account",
    "crm_activity",
    "crm_captured_activity",
    "crm_contact",
    "crm_deal",
    "crm_deal_contact",
    "crm_deal_team",
    "crm_email_claims",
    "crm_pipeline",
    "crm_stage",
    "crm_tokens",
    "email_ledger",
    "lexicon_orgs",
    "lexicon_terms",
    "lexicon_votes",
)
OPS = ("insert", "update", "delete")


def stamp_triggers(table: str) -> list[str]:
    """SQLite statements creating `table`'s three triggers."""
    return [
        f"CREATE TRIGGER view_stamp_{table}_{o} AFTER {o.upper()} ON {table} "
        "BEGIN UPDATE view_stamp SET value = value + 1 WHERE id = 1; END"
        for o in OPS
    ]


def upgrade() -> None:
    """Create the counter row and, on SQLite, the triggers."""
    stamp = op.create_table(
        "view_stamp",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
    )
    op.bulk_insert(stamp, [{"id": 1, "value": 0}])
    if op.get_bind().dialect.name == "sqlite":
        for table in TABLES:
            for statement in stamp_triggers(table):
                op.execute(statement)


def downgrade() -> None:
    """Drop the triggers and the counter."""
    if op.get_bind().dialect.name == "sqlite":
        for table in TABLES:
            for o in OPS:
                op.execute(f"DROP TRIGGER IF EXISTS view_stamp_{table}_{o}")
    op.drop_table("view_stamp")
