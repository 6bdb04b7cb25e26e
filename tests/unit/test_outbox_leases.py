"""Leases that hold: a drainer whose lease expired before its CRM write writes and records nothing."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from addin_api.domain import DealChanges
from addin_api.services import changes, writes
from addin_api.services.drain import drain_once
from addin_api.store.db import db_now, make_engine, make_session_factory
from addin_api.store.outbox import Outbox
from tests.factories import REP, make_deal
from tests.fakes import FakeCrm

WAIT = 30  # seconds: a bound on Event waits


@pytest.fixture
def outboxes(database_url):
    """Two outboxes on one database, each with its own engine, as two `addin-api outbox drain` processes."""
    engines = [make_engine(database_url) for _ in range(2)]
    yield [Outbox(make_session_factory(e)) for e in engines]
    for e in engines:
        e.dispose()


class PausingCrm(FakeCrm):
    """The first drainer's read returns only when released, so its lease can expire before it writes."""

    def __init__(self, deals):
        super().__init__(deals)
        self.paused_thread: int | None = None
        self.paused, self.resume = threading.Event(), threading.Event()
        self.down = True

    def get_deal(self, rep, deal_id):
        deal = super().get_deal(rep, deal_id)
        if threading.get_ident() == self.paused_thread:
            self.paused.set()
            assert self.resume.wait(WAIT)
        return deal

    def update_deal(self, rep, deal_id, changes):
        if self.down:
            from addin_api.crm.port import CrmUnavailable

            raise CrmUnavailable("timeout")
        return super().update_deal(rep, deal_id, changes)


def test_a_drainer_that_lost_its_lease_before_writing_writes_and_records_nothing(outboxes):
    crm = PausingCrm([make_deal()])
    first_outbox, second_outbox = outboxes
    queued = writes.update_deal(
        writes.WriteDeps(crm, first_outbox, backoff_seconds=0), REP, "D1", DealChanges("1", next_step="x")
    )
    assert queued.change.state == "queued"
    crm.down = False
    # The first drainer's lease is over as soon as it is taken: it expires while the drainer is paused.
    first = writes.WriteDeps(crm, first_outbox, lease=timedelta(0), backoff_seconds=0)
    second = writes.WriteDeps(crm, second_outbox, lease=timedelta(seconds=60), backoff_seconds=0)
    outcome = {}

    def run_first():
        crm.paused_thread = threading.get_ident()
        outcome["first"] = drain_once(first)

    worker = threading.Thread(target=run_first)
    worker.start()
    try:
        assert crm.paused.wait(WAIT)  # the first drainer read the deal and is about to write
        outcome["second"] = drain_once(second)
    finally:
        crm.resume.set()
        worker.join(WAIT)
    assert not worker.is_alive()
    assert crm.calls["update_deal"] == 1  # the CRM received exactly one write: the second drainer's
    assert outcome["second"]["done"] == 1
    assert sum(outcome["first"].values()) == 0  # reports nothing
    status = changes.change_status(second_outbox, REP, queued.change.id)
    assert (status.state, status.attempts) == ("done", 2)  # the first drainer recorded no attempt


def test_lease_times_come_from_the_database_clock(outboxes):
    outbox = outboxes[0]
    with outbox.sessions() as s:
        first, second = db_now(s), db_now(s)
    assert first.tzinfo is not None and first <= second
    queued = writes.update_deal(
        writes.WriteDeps(PausingCrm([make_deal()]), outbox), REP, "D1", DealChanges("1", next_step="x")
    )
    row = outbox.get(queued.change.id)
    assert first <= row.created_at <= row.next_attempt_at
