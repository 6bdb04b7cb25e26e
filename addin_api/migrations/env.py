"""Alembic's environment: runs on the connection `addin_api.migrations` hands over (holding the lock)."""

from __future__ import annotations

from alembic import context

from addin_api.migrations import target_metadata

if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported: run `addin-api db upgrade`")

context.configure(
    connection=context.config.attributes["connection"],
    target_metadata=target_metadata(),
    render_as_batch=True,  # SQLite alters tables by copying them; batch mode does that for later migrations
    transactional_ddl=True,  # all of an upgrade or none of it: SQLite and PostgreSQL both roll DDL back
)
with context.begin_transaction():
    context.run_migrations()
