"""Per-app state kept in `app.extensions["addin_api"]`, and helpers that reach it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import requests
from flask import current_app
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from addin_api.config import Settings
from addin_api.crm.port import CrmPort
from addin_api.services.retention import Retention
from addin_api.services.write_types import WriteDeps
from addin_api.store.capture import CaptureStore
from addin_api.store.idempotency import IdempotencyStore
from addin_api.store.ledger import Ledger
from addin_api.store.lexicon import SqlLexicon
from addin_api.store.outbox import Outbox


@dataclass
class AppState:
    """Everything built once per app: settings, database, CRM adapter, HTTP session, validators."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker
    http: requests.Session
    crm: CrmPort
    outbox: Outbox
    idempotency: IdempotencyStore
    ledger: Ledger
    extras: dict[str, Any] = field(default_factory=dict)  # lazily built clients (validators, Graph, Gmail)
    capture: CaptureStore | None = None  # what activity capture counted (read by deal health)
    view_cache: Any = None  # addin_api.api.view_cache.ViewCache, or None (off, or a CRM outside our database)

    def write_deps(self) -> WriteDeps:
        """The write path's dependencies with the configured retry policy."""
        s = self.settings
        # The lease is renewed right before each CRM write, so it must outlive one write: an adapter's
        # write is at most a handful of calls (token refresh, read, write, one re-auth and retry), each
        # bounded by connect + read timeouts, plus the connection retries of reads.
        lease = timedelta(seconds=max(60.0, 12 * s.crm_timeout_seconds))
        return WriteDeps(
            self.crm,
            self.outbox,
            going_dark_days=s.going_dark_days,
            backoff_seconds=s.outbox_backoff_seconds,
            backoff_max_seconds=s.outbox_backoff_max_seconds,
            max_attempts=s.outbox_max_attempts,
            lease=lease,
            ledger=self.ledger,
            max_unexpected=s.outbox_max_unexpected,
            lexicon=self.lexicon,
        )

    @property
    def lexicon(self):
        """Each organisation's learned sentiment terms (built on first use)."""
        return self.lazy("lexicon", lambda: SqlLexicon(self.sessions))

    def retention(self) -> Retention:
        """How long records are kept, from the settings."""
        s = self.settings
        return Retention(
            idempotency=timedelta(hours=s.idempotency_retention_hours),
            settled_changes=timedelta(days=s.outbox_retention_days),
            audit=timedelta(days=s.audit_retention_days),
        )

    def lazy(self, name: str, build):
        """Build a helper on first use (nothing is fetched or constructed at import or start-up)."""
        if name not in self.extras:
            self.extras.setdefault(name, build())
        return self.extras[name]


def get_state() -> AppState:
    """The current app's state."""
    return current_app.extensions["addin_api"]
