"""Engine and session factory for the app store, built once per app (never at import time)."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import MetaData, create_engine, event, make_url
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, sessionmaker

# Constraint names that PostgreSQL and SQLite both accept and that migrations can address later.
NAMING = {"ix": "ix_%(column_0_label)s", "uq": "uq_%(table_name)s_%(column_0_name)s",
          "fk": "fk_%(table_name)s_%(column_0_name)s", "pk": "pk_%(table_name)s"}


class StoreBase(DeclarativeBase):
    """Declarative base of the app store tables (the embedded CRM has its own base)."""

    metadata = MetaData(naming_convention=NAMING)


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets foreign keys, WAL and a busy timeout for threaded servers."""
    if url.startswith("sqlite"):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)  # a fresh checkout has no instance/ yet
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_conn, _record):
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer
    cur.close()


def make_session_factory(engine: Engine) -> sessionmaker:
    """Sessions that keep loaded objects usable after commit (services return them)."""
    return sessionmaker(bind=engine, expire_on_commit=False)
