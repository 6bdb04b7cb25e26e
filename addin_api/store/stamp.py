"""The data stamp: one cheap read that changes whenever a committed write changed what the views read.

SQLite: triggers (migration 0007_view_stamp) add one to `view_stamp.value` on every insert, update and
delete of the tables listed in `STAMPED_TABLES`, in the writer's own transaction, whichever process
writes. SQLite runs one writer at a time, so the counter costs no waiting. PostgreSQL: the stamp is
the transaction snapshot (`pg_current_snapshot()`): two equal snapshots see exactly the same committed
rows; a counter row there would make every writer queue behind one row lock (and could deadlock with
the rows a writer already holds), while the snapshot costs nothing to keep. It moves on any committed
write in the cluster, so it is coarser, never stale.

Callers read the stamp BEFORE the data: data newer than its stamp is harmless (the stamp moved on and
the entry is never asked for again), data older than its stamp cannot happen.
"""

from __future__ import annotations

import contextlib
import threading

from sqlalchemy import BigInteger, Integer, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, mapped_column

from addin_api.store.db import StoreBase

# Tables no view reads: writing them must not throw every cached answer away.
UNSTAMPED_TABLES = frozenset(
    {
        "alembic_version",
        "view_stamp",
        "outbox",
        "idempotency_keys",
        "audit_log",
        "crm_connect_tickets",
        "capture_cursors",
        "crm_cache",  # picklists and access tokens of Salesforce/HubSpot, which no view reads
    }
)

_READ = {
    "sqlite": "SELECT value FROM view_stamp WHERE id = 1",
    "postgresql": "SELECT pg_current_snapshot()::text",
}


class ViewStamp(StoreBase):
    """The single row SQLite's triggers count writes in (unused on PostgreSQL, see the module)."""

    __tablename__ = "view_stamp"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(BigInteger)


class DataStamp:
    """Reads the current data stamp of one database, one round trip per read.

    Each thread keeps its own connection, taken out of the pool and set to autocommit: a pooled read
    would cost a checkout ping and a rollback on return (three round trips to PostgreSQL, ~0.5 ms,
    against ~0.1 ms). A connection that fails is replaced once; all are closed when the engine is disposed.
    """

    def __init__(self, engine: Engine):
        self._engine = engine
        self._sql = _READ[engine.dialect.name]
        self._local = threading.local()
        self._opened: list = []
        self._lock = threading.Lock()
        event.listen(engine, "engine_disposed", lambda _engine: self.close())

    def current(self) -> str:
        """The stamp now: equal stamps mean nothing any view reads has changed in between."""
        try:
            return self._read()
        except self._engine.dialect.loaded_dbapi.Error:  # e.g. the database restarted: one fresh try
            self._forget()
            return self._read()

    def close(self) -> None:
        """Close every connection this reader opened."""
        with self._lock:
            opened, self._opened = self._opened, []
        for conn in opened:
            with contextlib.suppress(Exception):
                conn.close()

    def _read(self) -> str:
        cursor = getattr(self._local, "cursor", None)
        if cursor is None:
            raw = self._engine.raw_connection()
            raw.detach()  # ours for good: the pool opens another in its place
            self._engine.dialect.set_isolation_level(raw.dbapi_connection, "AUTOCOMMIT")
            with self._lock:
                self._opened.append(raw)
            self._local.conn, cursor = raw, raw.cursor()
            self._local.cursor = cursor
        cursor.execute(self._sql)
        return str(cursor.fetchone()[0])

    def _forget(self) -> None:
        conn, self._local.conn, self._local.cursor = getattr(self._local, "conn", None), None, None
        if conn is not None:
            with self._lock:
                if conn in self._opened:
                    self._opened.remove(conn)
            with contextlib.suppress(Exception):
                conn.close()
