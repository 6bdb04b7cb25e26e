"""Racing outbox drainers on one PostgreSQL database deliver each change exactly once, in order per deal."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
from sqlalchemy import func, select

from addin_api import create_app
from addin_api.domain import ChangeState, Rating
from addin_api.services.drain import drain_once
from addin_api.store.models import OutboxRow
from tests import postgres
from tests.keys import BASE_SETTINGS

QUEUED = ChangeState.QUEUED

# SQLite serialises every writer, so two drainers there never race; the compare-and-set claim and the
# per-deal ordering only meet real concurrency on PostgreSQL. Without the variable this is skipped; with
# it, a PostgreSQL that cannot start fails the test through the `app` fixture.
pytestmark = pytest.mark.skipif(
    not postgres.requested(), reason=f"needs PostgreSQL: set {postgres.ENV_VAR}=postgresql"
)

CHANGES_PER_DEAL = 6  # alternating next-step updates and rated emails
DEADLINE_SECONDS = 60


def _queue_changes(api, deals) -> dict[str, list[tuple]]:
    """With the CRM down, queue updates and email logs on every deal; returns each deal's expected writes."""
    expected: dict[str, list[tuple]] = {}
    for deal in deals:
        writes = expected.setdefault(deal["id"], [])
        for i in range(CHANGES_PER_DEAL):
            if i % 2 == 0:  # every save from the same view: each must build on the rep's previous one
                step = f"step {i} of deal {deal['id']}"
                r = api.patch(
                    f"/api/v1/deals/{deal['id']}", json={"version": deal["version"], "next_step": step}
                )
                writes.append(("update_deal", deal["id"], {"next_step": step}))
            else:
                message_id = f"<race.{deal['id']}.{i}@northwind.example>"
                r = api.post(
                    f"/api/v1/deals/{deal['id']}/emails",
                    json={
                        "message_id": message_id,
                        "subject": f"Thread {i}",
                        "from": "nadia@northwind.example",
                        "to": ["rep@demo.example"],
                        "sent_at": "2026-11-20T10:00:00+00:00",
                        "body": "...",
                        "rating": "positive",
                    },
                )
                writes.append(("log_email", deal["id"], message_id, Rating.POSITIVE))
            assert r.status_code == 202, r.get_json()
    return expected


def _queued(state) -> int:
    with state.sessions() as s:
        return s.scalar(select(func.count()).select_from(OutboxRow).where(OutboxRow.state == QUEUED))


def _drainer(state, start: threading.Barrier, done: Counter, errors: list) -> None:
    """Drain until nothing is queued (the other drainer may hold rows: poll, bounded by a deadline)."""
    try:
        start.wait(timeout=DEADLINE_SECONDS)
        deadline = time.monotonic() + DEADLINE_SECONDS
        while _queued(state) and time.monotonic() < deadline:
            done.update(drain_once(state.write_deps()))
    except BaseException as exc:  # surfaced by the test thread
        errors.append(exc)


def test_two_drainers_deliver_every_change_exactly_once_and_in_order_per_deal(
    app, api, crm, database_url, idp, tmp_path
):
    """Own engine and outbox per drainer, as two `addin-api outbox drain` processes have; one shared CRM."""
    state = app.extensions["addin_api"]
    assert state.engine.dialect.name == "postgresql"
    deals = api.get("/api/v1/pipeline").get_json()["deals"]
    assert len(deals) >= 5
    crm.down = True
    expected = _queue_changes(api, deals)
    total = sum(map(len, expected.values()))
    assert _queued(state) == total and crm.writes == []
    crm.down = False

    other = create_app(
        {
            "database_url": database_url,
            "instance_path": str(tmp_path),
            **BASE_SETTINGS,
            "outbox_backoff_seconds": 0.0,
            **idp.settings_overrides(),
        },
        crm=crm,
    )
    states, counts, errors = [state, other.extensions["addin_api"]], [Counter(), Counter()], []
    start = threading.Barrier(2)
    threads = [
        threading.Thread(target=_drainer, args=(st, start, c, errors))
        for st, c in zip(states, counts, strict=True)
    ]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(DEADLINE_SECONDS + 30)
    finally:
        other.extensions["addin_api"].engine.dispose()
    assert not errors, errors
    assert not any(t.is_alive() for t in threads), "a drainer did not finish"

    assert _queued(state) == 0
    assert counts[0]["done"] + counts[1]["done"] == total, counts
    assert sum(c["queued"] + c["conflict"] + c["rejected"] for c in counts) == 0, counts
    assert len(crm.writes) == total and [w for w, n in Counter(map(repr, crm.writes)).items() if n > 1] == []
    for deal_id, writes in expected.items():
        assert [w for w in crm.writes if w[1] == deal_id] == writes, f"deal {deal_id}: wrong order or missing"
    final = {d["id"]: d["next_step"] for d in api.get("/api/v1/pipeline").get_json()["deals"]}
    assert final == {
        deal_id: [w for w in writes if w[0] == "update_deal"][-1][2]["next_step"]
        for deal_id, writes in expected.items()
    }
