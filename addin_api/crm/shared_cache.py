"""What CRM adapters fetch once for all worker processes: picklists, pipelines, access tokens, in the store.

Each adapter keeps its own in-process cache in front of this one; the database is read only when that
misses. Entries are JSON with an expiry; secrets (access tokens) are sealed with Fernet under a key
derived from ADDIN_SECRET_KEY (as refresh tokens are, with its own HKDF context) and never logged.

`get_or_fetch` is single flight across processes for one key: the read, the fetch and the write run
under a lock the database holds for that transaction.
- PostgreSQL: `pg_advisory_xact_lock` on a hash of the key; other keys and every other write go on.
- SQLite (one host): `BEGIN IMMEDIATE`, the database's write lock; readers go on (WAL), other writers
  wait for the fetch (at most the CRM timeout, well inside the 30 s busy timeout). So `fetch` must not
  write to the store itself.
Either way a worker that waited finds the entry the first one wrote and makes no call of its own.
Expiry is by the app servers' clocks (kept in sync by NTP; entries live an hour, skew is seconds).
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from cryptography.fernet import InvalidToken
from sqlalchemy import String, Text, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Mapped, mapped_column

from addin_api.crm.tokens import token_cipher
from addin_api.domain import utcnow
from addin_api.store.db import StoreBase, UtcDateTime

# The two-key advisory lock form: this class id keeps our keys apart from the migrations' lock.
_LOCK_CLASS = zlib.crc32(b"addin-api crm cache") - 2**31


class CrmCacheEntry(StoreBase):
    """One shared value: a CRM's picklist or pipelines (JSON), or a rep's access token (sealed JSON)."""

    __tablename__ = "crm_cache"
    key: Mapped[str] = mapped_column(String(512), primary_key=True)  # "<crm>:<kind>:<…>"
    value: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Entry(NamedTuple):
    """A live value and how many seconds it has left."""

    value: Any
    seconds_left: float


class SharedCache:
    """One CRM's entries in the `crm_cache` table; every call is one short transaction."""

    def __init__(self, engine: Engine, secret_key: str, crm: str, now: Callable[[], datetime] = utcnow):
        self.engine, self.crm, self.now = engine, crm, now
        self._cipher = token_cipher(secret_key, crm, "cached access tokens")

    def get(self, key: str, *, secret: bool = False) -> Entry | None:
        """The live entry, or None if absent, expired or (secret) sealed under another key."""
        with self.engine.connect() as conn:
            return self._read(conn, key, secret)

    def put(self, key: str, value: Any, ttl: float, *, secret: bool = False) -> Entry:
        """Store (or replace) a value for `ttl` seconds."""
        with self.engine.begin() as conn:
            return self._write(conn, key, value, ttl, secret)

    def get_or_fetch(
        self,
        key: str,
        fetch: Callable[[], Any],
        ttl: float,
        *,
        secret: bool = False,
        stale: Callable[[Any], bool] | None = None,
    ) -> Entry:
        """The live entry, else `fetch()` stored for `ttl`; one fetch at a time per key across processes.

        `stale(value)` true: the stored value is known bad (say, a token the CRM just refused), so fetch.
        """
        with self._locked(key) as conn:
            entry = self._read(conn, key, secret)  # perhaps fetched by another process while we waited
            if entry is not None and not (stale and stale(entry.value)):
                return entry
            entry = self._write(conn, key, fetch(), ttl, secret)
            conn.commit()
            return entry

    @contextmanager
    def _locked(self, key: str) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                digest = int.from_bytes(hashlib.blake2b(self._key(key).encode(), digest_size=4).digest())
                conn.execute(
                    text("SELECT pg_advisory_xact_lock(:c, :k)"), {"c": _LOCK_CLASS, "k": digest - 2**31}
                )
            else:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.rollback()  # ends the transaction, and with it the lock
                raise

    def _read(self, conn: Connection, key: str, secret: bool) -> Entry | None:
        row = conn.execute(
            select(CrmCacheEntry.value, CrmCacheEntry.expires_at).where(CrmCacheEntry.key == self._key(key))
        ).first()
        if row is None:
            return None
        left = (row.expires_at - self.now()).total_seconds()
        if left <= 0:
            return None
        try:
            raw = self._cipher.decrypt(row.value.encode()).decode() if secret else row.value
        except InvalidToken:  # the secret key changed: as if absent, the next fetch replaces it
            return None
        return Entry(json.loads(raw), left)

    def _write(self, conn: Connection, key: str, value: Any, ttl: float, secret: bool) -> Entry:
        raw = json.dumps(value, separators=(",", ":"))
        stored = self._cipher.encrypt(raw.encode()).decode() if secret else raw
        row = {"key": self._key(key), "value": stored, "expires_at": self.now() + timedelta(seconds=ttl)}
        insert = (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(CrmCacheEntry)
        conn.execute(
            insert.values(**row).on_conflict_do_update(
                index_elements=["key"], set_={"value": row["value"], "expires_at": row["expires_at"]}
            )
        )
        return Entry(value, float(ttl))

    def _key(self, key: str) -> str:
        return f"{self.crm}:{key}"
