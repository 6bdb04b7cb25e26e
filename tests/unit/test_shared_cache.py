"""The CRM cache the workers share: sealed secrets, expiry, and a key change that only costs a refetch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from addin_api.crm.shared_cache import SharedCache
from addin_api.store.db import make_engine
from tests.keys import BASE_SETTINGS


def test_a_sealed_entry_is_unreadable_without_the_key_and_gone_once_expired(database_url):
    engine = make_engine(database_url)
    now = [datetime(2026, 11, 30, 9, tzinfo=UTC)]
    cache = SharedCache(engine, BASE_SETTINGS["secret_key"], "salesforce", now=lambda: now[0])
    cache.put("session:rep", {"access_token": "00Dxx!secret"}, 60, secret=True)

    assert cache.get("session:rep", secret=True).value == {"access_token": "00Dxx!secret"}
    with engine.connect() as conn:
        (stored,) = conn.exec_driver_sql("SELECT value FROM crm_cache").scalars()
    assert "secret" not in stored
    rotated = SharedCache(engine, "another-secret-key-" + "x" * 32, "salesforce", now=lambda: now[0])
    assert rotated.get("session:rep", secret=True) is None  # the secret key changed: fetched again
    assert cache.get_or_fetch("picklist:rt", lambda: ["A", "B"], 60).value == ["A", "B"]
    assert cache.get_or_fetch("picklist:rt", lambda: ["never asked"], 60).value == ["A", "B"]

    now[0] += timedelta(seconds=61)
    assert cache.get("session:rep", secret=True) is None
    assert cache.get_or_fetch("picklist:rt", lambda: ["C"], 60).value == ["C"]
    engine.dispose()
