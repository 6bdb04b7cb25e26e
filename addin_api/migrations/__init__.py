"""Schema migrations (Alembic) of the app store and embedded CRM: upgrade under a lock, check head."""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, inspect, text
from sqlalchemy.engine import Connection, Engine

UPGRADE_COMMAND = "addin-api db upgrade"
# One advisory-lock key per product, so upgraders of this schema queue behind each other and nothing else.
_PG_LOCK_KEY = zlib.crc32(b"addin-api schema migrations")
_log = logging.getLogger(__name__)
# Alembic announces every context it opens at INFO (each worker opens one); upgrade() says what it did.
logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)


class SchemaNotCurrent(RuntimeError):
    """The database is not at this release's schema; the message names what to do, in one line."""


def target_metadata() -> list[MetaData]:
    """Every table the models declare: app store (CRM tokens included) and embedded CRM."""
    import addin_api.crm.email_claims
    import addin_api.crm.shared_cache
    import addin_api.crm.tokens
    import addin_api.store.capture
    import addin_api.store.lexicon
    import addin_api.store.models
    import addin_api.store.stamp  # noqa: F401 - these register the app-store tables on StoreBase
    from addin_api.crm.local.models import LocalBase
    from addin_api.store.db import StoreBase

    return [StoreBase.metadata, LocalBase.metadata]


def _config(connection: Connection | None = None) -> Config:
    """Alembic configured in code (no alembic.ini): scripts in this package, on `connection`."""
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).resolve().parent))
    config.attributes["connection"] = connection
    return config


def head() -> str:
    """The revision this release's code expects."""
    return ScriptDirectory.from_config(_config()).get_current_head()


def current(engine: Engine) -> str | None:
    """The database's revision (None: never migrated)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def require_head(engine: Engine) -> None:
    """Raise SchemaNotCurrent unless the database is at this release's head revision."""
    have, want = current(engine), head()
    if have == want:
        return
    known = {s.revision for s in ScriptDirectory.from_config(_config()).walk_revisions()}
    if have is not None and have not in known:
        raise SchemaNotCurrent(
            f"the database schema ({have}) is newer than this release ({want}): run a newer addin-api"
        )
    raise SchemaNotCurrent(
        f"the database schema is at {have or 'nothing'}, not {want}: run `{UPGRADE_COMMAND}`"
    )


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Bring the database to head under the schema lock; returns (revision before, revision after)."""
    with schema_lock(engine) as conn:
        before = MigrationContext.configure(conn).get_current_revision()
        if before is None and inspect(conn).get_table_names():
            _log.info("adopting a database made before migrations (release 0.1.0) at 0001_baseline")
        command.upgrade(_config(conn), "head")
        after = MigrationContext.configure(conn).get_current_revision()
    if before != after:
        _log.info("database schema upgraded from %s to %s", before or "nothing", after)
    return before, after


@contextmanager
def schema_lock(engine: Engine) -> Iterator[Connection]:
    """A connection holding the database-wide migration lock; concurrent holders wait (commit on success)."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            with _pg_advisory_lock(conn):
                yield conn
                conn.commit()
            return
        if engine.dialect.name != "sqlite":
            raise SchemaNotCurrent(f"migrations support PostgreSQL and SQLite, not {engine.dialect.name}")
        # The file's write lock for the whole upgrade transaction; other upgraders wait (busy timeout).
        conn.exec_driver_sql("BEGIN EXCLUSIVE")
        try:
            yield conn
        except BaseException:
            conn.rollback()
            raise
        conn.commit()


@contextmanager
def _pg_advisory_lock(conn: Connection) -> Iterator[None]:
    """Hold a session-level advisory lock; released even when the upgrade fails (the connection is pooled)."""
    conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _PG_LOCK_KEY})
    conn.commit()
    try:
        yield
    finally:
        conn.rollback()
        conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _PG_LOCK_KEY})
        conn.commit()
