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
from addin_api.services.writes import WriteDeps
from addin_api.store.idempotency import IdempotencyStore
from addin_api.store.ledger import Ledger
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

    def write_deps(self) -> WriteDeps:
        """The write path's dependencies with the configured retry policy."""
        s = self.settings
        # A CRM write is at most a handful of calls (token, read, write, one re-auth, one retry), each
        # bounded by the HTTP timeout; the lease outlives that so no second worker applies the same row.
        lease = timedelta(seconds=max(60.0, 6 * s.crm_timeout_seconds))
        return WriteDeps(
            self.crm,
            self.outbox,
            s.going_dark_days,
            s.outbox_backoff_seconds,
            s.outbox_backoff_max_seconds,
            s.outbox_max_attempts,
            lease,
            self.ledger,
        )

    def lazy(self, name: str, build):
        """Build a helper on first use (nothing is fetched or constructed at import or start-up)."""
        if name not in self.extras:
            self.extras.setdefault(name, build())
        return self.extras[name]


def get_state() -> AppState:
    """The current app's state."""
    return current_app.extensions["addin_api"]
