"""Retention: `addin-api purge` (and the drain loop, hourly) forgets old records, keeps what is owed."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from addin_api.cli import main
from addin_api.crm.port import CrmAuthError
from addin_api.domain import DealChanges
from addin_api.services import writes
from addin_api.services.drain import drain_forever
from addin_api.services.retention import Retention, purge
from addin_api.store.db import make_engine, make_session_factory
from addin_api.store.idempotency import IdempotencyStore
from addin_api.store.models import AuditEntry, IdempotencyRecord, OutboxRow
from addin_api.store.outbox import Outbox
from tests.factories import REP, make_deal
from tests.fakes import FakeCrm

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


@pytest.fixture
def stores(database_url):
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    yield Outbox(sessions), IdempotencyStore(sessions)
    engine.dispose()


class ExpiredFor(FakeCrm):
    """The rep's session is refused for deal D2 only."""

    def get_deal(self, rep, deal_id):
        if deal_id == "D2":
            raise CrmAuthError("expired")
        return super().get_deal(rep, deal_id)


def _age_everything(outbox):
    with outbox.sessions.begin() as s:
        s.execute(update(OutboxRow).values(updated_at=LONG_AGO, created_at=LONG_AGO))
        s.execute(update(AuditEntry).values(at=LONG_AGO))
        s.execute(update(IdempotencyRecord).values(created_at=LONG_AGO))


def test_purge_deletes_old_settled_changes_audit_and_keys_but_keeps_parked_ones(stores):
    outbox, keys = stores
    deps = writes.WriteDeps(ExpiredFor([make_deal(), make_deal(id="D2")]), outbox)
    done = writes.update_deal(deps, REP, "D1", DealChanges("1", next_step="x"))
    parked = writes.update_deal(deps, REP, "D2", DealChanges("1", next_step="y"))
    assert (done.change.state, parked.change.state) == ("done", "needs_connect")
    keys.reserve(REP.key, "old", "h")
    keys.finish(REP.key, "old", 200, {"ok": True})
    _age_everything(outbox)
    keys.reserve(REP.key, "fresh", "h")

    counts = purge(outbox, keys, Retention())
    assert (counts["changes"], counts["audit"], counts["idempotency"]) == (1, 2, 1)
    assert outbox.get(done.change.id) is None and outbox.get(parked.change.id) is not None
    assert keys.find(REP.key, "old") is None and keys.find(REP.key, "fresh") is not None


def test_purge_drops_an_email_body_left_on_a_settled_change(stores):
    outbox, keys = stores
    row, _ = outbox.record(REP, "fake", "D1", "log_email", {"body": "secret"}, None, None, timedelta(0))
    with outbox.sessions.begin() as s:  # settled by an older release that kept the body
        s.execute(update(OutboxRow).where(OutboxRow.id == row.id).values(state="done", payload={"body": "s"}))
    assert purge(outbox, keys, Retention())["bodies"] == 1
    assert "body" not in outbox.get(row.id).payload


def test_the_drain_loop_purges_at_most_once_an_hour():
    stop, ticks, purged = threading.Event(), iter([0.0, 600.0, 3599.0, 3600.0, 3700.0]), []

    def clock():  # seconds of a monotonic clock, one reading per pass; the loop stops after the last
        now = next(ticks, None)
        if now is None:
            stop.set()
            return 3700.0
        return now

    class NothingDue:
        def due_heads(self, crm, limit):
            return []

    deps = writes.WriteDeps(FakeCrm(), NothingDue())
    drain_forever(deps, 0, stop, housekeeping=lambda: purged.append(True), clock=clock)
    assert len(purged) == 2  # at 0 s and at 3600 s, not in between


def test_purge_command_reports_what_it_deleted(cli_env, capsys):
    assert main(["purge"]) == 0
    assert capsys.readouterr().out.strip() == "audit: 0, bodies: 0, changes: 0, idempotency: 0"
