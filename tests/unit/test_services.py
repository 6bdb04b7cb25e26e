"""Deal services against an in-memory CRM: context, validation, rights, outbox ordering and rebasing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from addin_api.crm.port import CrmUnavailable
from addin_api.domain import ActivityStats, DealChanges, Rating
from addin_api.errors import Forbidden, NotFound, Unprocessable
from addin_api.services import changes, views, writes
from addin_api.services.drain import drain_once
from addin_api.store.db import make_engine, make_session_factory
from addin_api.store.ledger import Ledger
from addin_api.store.outbox import Outbox
from tests.factories import OTHER, REP, make_contact, make_deal
from tests.fakes import FakeCrm

NOW = datetime.now(UTC)


@pytest.fixture
def outbox(database_url):
    engine = make_engine(database_url)  # migrated by the fixture, like every test database
    yield Outbox(make_session_factory(engine))
    engine.dispose()


@pytest.fixture
def fake():
    old = make_deal(
        id="D0",
        name="Quiet deal",
        stats=ActivityStats(1, 1, NOW - timedelta(days=40), NOW - timedelta(days=39)),
    )
    new = make_deal(id="D1", stats=ActivityStats(2, 2, NOW - timedelta(days=1), NOW))
    return FakeCrm([old, new], [(make_contact(), ["D0", "D1"])])


def deps(crm, outbox):
    return writes.WriteDeps(
        crm, outbox, going_dark_days=21, backoff_seconds=0, ledger=Ledger(outbox.sessions)
    )


def test_context_orders_deals_by_recent_activity_and_flags_going_dark(fake):
    [match] = views.email_context(fake, REP, ["ADA@acme.example", REP.email], 21)
    assert [v.deal.id for v in match.deals] == ["D1", "D0"]
    assert [v.health.going_dark for v in match.deals] == [False, True]


def test_context_without_other_participants_does_not_call_the_crm(fake):
    assert views.email_context(fake, REP, [REP.email.upper()], 21) == []
    assert fake.calls["find_context"] == 0


def test_unknown_deal_is_not_found(fake):
    with pytest.raises(NotFound):
        views.deal_view(fake, REP, "nope", 21)


def test_update_requires_a_field_and_a_valid_stage(fake, outbox):
    with pytest.raises(Unprocessable):
        writes.update_deal(deps(fake, outbox), REP, "D1", DealChanges("1"))
    with pytest.raises(Unprocessable) as err:
        writes.update_deal(deps(fake, outbox), REP, "D1", DealChanges("1", stage_id="Negotiation"))
    assert "stage" in err.value.errors["json"]
    assert fake.calls["update_deal"] == 0


def test_only_owner_or_team_may_write(fake, outbox):
    with pytest.raises(Forbidden):
        writes.update_deal(deps(fake, outbox), OTHER, "D1", DealChanges("1", next_step="x"))


def test_update_is_applied_and_audited(fake, outbox):
    result = writes.update_deal(deps(fake, outbox), REP, "D1", DealChanges("1", stage_id="contract_sent"))
    assert result.change.state == "done" and result.deal.deal.stage.id == "contract_sent"
    assert changes.change_status(outbox, REP, result.change.id).state == "done"
    with pytest.raises(NotFound):
        changes.change_status(outbox, OTHER, result.change.id)


class DownThenUp(FakeCrm):
    """Writes fail while `down`; reads keep working."""

    down = True

    def update_deal(self, rep, deal_id, changes):
        if self.down:
            raise CrmUnavailable("timeout")
        return super().update_deal(rep, deal_id, changes)


def test_two_queued_saves_by_one_rep_build_on_each_other(outbox):
    crm = DownThenUp([make_deal()])
    d = deps(crm, outbox)
    first = writes.update_deal(d, REP, "D1", DealChanges("1", stage_id="contract_sent"))
    second = writes.update_deal(d, REP, "D1", DealChanges("1", next_step="Send MSA"))
    assert (first.change.state, second.change.state) == ("queued", "queued")
    crm.down = False
    assert drain_once(d)["done"] == 2
    deal = crm.deals["D1"]
    assert (deal.stage.id, deal.next_step) == ("contract_sent", "Send MSA")


def test_someone_elses_change_in_between_is_a_conflict_after_drain(outbox):
    crm = DownThenUp([make_deal()])
    d = deps(crm, outbox)
    queued = writes.update_deal(d, REP, "D1", DealChanges("1", stage_id="contract_sent"))
    crm.down = False
    crm.update_deal(OTHER, "D1", DealChanges("1", stage_id="closed_won"))  # a colleague, directly in the CRM
    drain_once(d)
    status = changes.change_status(outbox, REP, queued.change.id)
    assert status.state == "conflict"
    assert status.conflict["fields"]["stage"] == {"yours": "contract_sent", "theirs": "closed_won"}


def test_gives_up_after_max_attempts_with_the_reason(outbox):
    crm = DownThenUp([make_deal()])
    d = writes.WriteDeps(crm, outbox, backoff_seconds=0, max_attempts=3)
    queued = writes.update_deal(d, REP, "D1", DealChanges("1", next_step="x"))
    drain_once(d)
    drain_once(d)
    status = changes.change_status(outbox, REP, queued.change.id)
    assert status.state == "rejected" and "Gave up after 3 attempts" in status.reason


def test_email_log_keeps_direction_rating_and_caps_body(fake, outbox):
    email = writes.email_from_message(
        REP,
        " <m@x> ",
        "Hi",
        "Ada@Acme.example",
        ["rep@demo.example"],
        [],
        NOW,
        "z" * 50,
        Rating.POSITIVE,
        body_max=10,
    )
    result = writes.log_email(deps(fake, outbox), REP, "D1", email)
    assert result.change.state == "done"
    logged = fake.logged[("D1", "<m@x>")]
    assert (
        logged.direction.value == "inbound" and logged.body == "z" * 10 and logged.rating is Rating.POSITIVE
    )


def test_delivered_email_body_is_dropped_from_the_outbox(fake, outbox):
    email = writes.email_from_message(
        REP, "<m@x>", "Hi", "ada@acme.example", [], [], NOW, "secret body", None, 100
    )
    result = writes.log_email(deps(fake, outbox), REP, "D1", email)
    assert "body" not in outbox.get(result.change.id).payload


def test_a_retry_racing_the_first_request_with_the_same_key_writes_once(outbox):
    class Reentrant(FakeCrm):
        """Delivers the client's retry while the first request is still reading the deal."""

        raced = False

        def get_deal(self, rep, deal_id):
            if not self.raced:
                self.raced = True
                self.retry = writes.update_deal(
                    deps(self, outbox), REP, "D1", DealChanges("1", next_step="x"), "k1"
                )
            return super().get_deal(rep, deal_id)

    crm = Reentrant([make_deal()])
    first = writes.update_deal(deps(crm, outbox), REP, "D1", DealChanges("1", next_step="x"), "k1")
    assert crm.calls["update_deal"] == 1
    assert first.change.id == crm.retry.change.id
    assert changes.change_status(outbox, REP, first.change.id).state == "done"


def test_a_worker_whose_lease_expired_cannot_overwrite_the_outcome(outbox):
    crm = DownThenUp([make_deal()])
    d = deps(crm, outbox)
    queued = writes.update_deal(d, REP, "D1", DealChanges("1", next_step="x"))
    stale = outbox.get(queued.change.id)
    stale.lease = "a lease that expired and was taken over"
    assert outbox.settle(stale, "rejected", {"reason": "late"}) is False
    crm.down = False
    drain_once(d)
    assert changes.change_status(outbox, REP, queued.change.id).state == "done"


def test_an_unexpected_failure_is_retried_not_lost_and_does_not_stop_the_drain(outbox):
    class Buggy(FakeCrm):
        def update_deal(self, rep, deal_id, changes):
            if deal_id == "D0":
                raise KeyError("a bug")
            return super().update_deal(rep, deal_id, changes)

    crm = Buggy([make_deal(id="D0"), make_deal(id="D1")])
    d = deps(crm, outbox)
    broken = writes.update_deal(d, REP, "D0", DealChanges("1", next_step="x"))
    fine = writes.update_deal(d, REP, "D1", DealChanges("1", next_step="y"))
    assert broken.change.state == "queued" and fine.change.state == "done"
    drain_once(d)
    status = changes.change_status(outbox, REP, broken.change.id)
    assert status.state == "queued" and status.attempts == 2


def test_an_email_queued_by_someone_who_may_not_edit_the_deal_is_refused_at_drain(outbox):
    class ReadsDown(FakeCrm):
        down = True

        def get_deal(self, rep, deal_id):
            if self.down:
                raise CrmUnavailable("timeout")
            return super().get_deal(rep, deal_id)

    crm = ReadsDown([make_deal()])
    d = deps(crm, outbox)
    email = writes.email_from_message(
        OTHER, "<m@x>", "Hi", "ada@acme.example", [], [], NOW, "b", Rating.POSITIVE, 100
    )
    queued = writes.log_email(d, OTHER, "D1", email)
    assert queued.change.state == "queued"
    crm.down = False
    drain_once(d)
    assert changes.change_status(outbox, OTHER, queued.change.id).state == "rejected"
    assert crm.logged == {} and Ledger(outbox.sessions).entries("fake", ["D1"], "<m@x>") == {}
