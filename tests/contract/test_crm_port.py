"""The CRM port's behaviours, identical against every adapter (see conftest for the dataset)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from addin_api.crm.port import CrmConflict, CrmNotFound
from addin_api.domain import DealChanges, Direction, EmailLog, Rating, movement
from tests.contract.conftest import CASE, PIPELINE, REP, REP2


def _from_ada(message_id: str, subject: str, day: int, body: str, rating: Rating | None) -> EmailLog:
    """An inbound email from Ada to the rep, sent on `day` of November 2026."""
    return EmailLog(
        message_id,
        subject,
        "ada@acme.example",
        ("rep@demo.example",),
        (),
        datetime(2026, 11, day, 9, tzinfo=UTC),
        Direction.INBOUND,
        body,
        rating,
    )


def stage_id(deal, label: str) -> str:
    """Stage ids differ per CRM; tests pick stages by label."""
    return next(s.id for s in deal.stages if s.label == label)


def test_find_context_matches_addresses_ignoring_case_and_unknown_ones(backend):
    found = backend.crm.find_context(REP, ["ADA@Acme.example", "nobody@unknown.example"])
    assert [c.contact.email for c in found] == ["ada@acme.example"]
    ada = found[0]
    assert (ada.contact.name, ada.contact.title, ada.contact.account_name) == (
        "Ada Buyer",
        "CFO",
        "Acme Corp",
    )
    # Her account's open deal and a deal at another account where she has a role; the won renewal is closed.
    assert {d.name for d in ada.deals} == {"Acme platform rollout", "Globex pilot"}


def test_find_context_through_account_only_and_for_several_contacts(backend):
    found = {
        c.contact.email: {d.name for d in c.deals}
        for c in backend.crm.find_context(REP, ["bob@acme.example", "gina@globex.example"])
    }
    assert found == {"bob@acme.example": {"Acme platform rollout"}, "gina@globex.example": {"Globex pilot"}}


def test_find_context_without_addresses_is_empty(backend):
    assert backend.crm.find_context(REP, ["", "  "]) == []


def test_get_deal_has_valid_stages_version_people_and_business_case(backend):
    deal = backend.crm.get_deal(REP, backend.ids["acme-platform"])
    assert (deal.name, deal.account_name, deal.stage.label) == (
        "Acme platform rollout",
        "Acme Corp",
        "Technical fit",
    )
    assert [s.label for s in deal.stages] == PIPELINE
    assert deal.stage_by_id(deal.stage.id) == deal.stage and not deal.is_closed
    assert [(s.label, s.is_closed, s.is_won) for s in deal.stages][-2:] == [
        ("Closed won", True, True),
        ("Closed lost", True, False),
    ]
    assert deal.version and deal.next_step == "Security review call"
    assert (deal.amount, deal.close_date, deal.owner_email) == (
        Decimal("120000.00"),
        date(2026, 12, 31),
        "rep@demo.example",
    )
    assert {(s.email, s.role, s.is_primary) for s in deal.stakeholders} == {
        ("ada@acme.example", "Economic buyer", True),
        ("bob@acme.example", "Champion", False),
    }
    assert deal.business_case.problem == CASE["problem"] and deal.business_case.risks == CASE["risks"]


def test_get_deal_has_activities_and_stats(backend):
    deal = backend.crm.get_deal(REP, backend.ids["acme-platform"])
    assert [(a.message_id, a.direction) for a in deal.activities] == [
        ("<m2@acme.example>", Direction.OUTBOUND),
        ("<m1@acme.example>", Direction.INBOUND),
    ]
    assert (deal.stats.inbound_count, deal.stats.outbound_count) == (1, 1)
    assert deal.stats.last_inbound == datetime(2026, 11, 1, 9, tzinfo=UTC)
    assert deal.stats.last_outbound == datetime(2026, 11, 2, 9, tzinfo=UTC)


@pytest.mark.parametrize("deal_id", ["no-such-deal", "999999", "006000000000999AAA"])
def test_unknown_deal_raises_not_found(backend, deal_id):
    with pytest.raises(CrmNotFound):
        backend.crm.get_deal(REP, deal_id)


def test_update_stage_and_next_step_then_reread_shows_them(backend):
    deal = backend.crm.get_deal(REP, backend.ids["acme-platform"])
    target = stage_id(deal, "Business case approved")
    updated = backend.crm.update_deal(
        REP, deal.id, DealChanges(deal.version, target, "Send the business case")
    )
    again = backend.crm.get_deal(REP, deal.id)
    for seen in (updated, again):
        assert (seen.stage.label, seen.next_step) == ("Business case approved", "Send the business case")
    assert updated.version == again.version != deal.version


def test_stale_version_with_a_real_change_raises_conflict_with_theirs(backend):
    mine = backend.crm.get_deal(REP, backend.ids["acme-platform"])
    backend.crm.update_deal(REP, mine.id, DealChanges(mine.version, next_step="Changed by a colleague"))
    with pytest.raises(CrmConflict) as caught:
        backend.crm.update_deal(
            REP, mine.id, DealChanges(mine.version, stage_id(mine, "Contract sent"), "Mine")
        )
    assert caught.value.theirs.next_step == "Changed by a colleague"
    deal = backend.crm.get_deal(REP, mine.id)
    assert (deal.stage.label, deal.next_step) == ("Technical fit", "Changed by a colleague")


def test_a_colleagues_change_to_another_field_is_kept_and_mine_applied(backend):
    mine = backend.crm.get_deal(REP, backend.ids["acme-platform"])
    backend.crm.update_deal(REP, mine.id, DealChanges(mine.version, next_step="Changed by a colleague"))
    applied = backend.crm.update_deal(
        REP, mine.id, DealChanges(mine.version, stage_id(mine, "Contract sent"))
    )
    assert (applied.stage.label, applied.next_step) == ("Contract sent", "Changed by a colleague")


def test_stale_version_without_a_stage_or_next_step_change_is_applied(backend):
    mine = backend.crm.get_deal(REP, backend.ids["acme-platform"])
    moved = backend.crm.update_deal(REP, mine.id, DealChanges(mine.version, next_step="Temporary"))
    backend.crm.update_deal(
        REP, mine.id, DealChanges(moved.version, next_step=mine.next_step)
    )  # back as it was
    applied = backend.crm.update_deal(
        REP, mine.id, DealChanges(mine.version, stage_id(mine, "Contract sent"))
    )
    assert (applied.stage.label, applied.next_step) == ("Contract sent", "Security review call")


def test_logging_the_same_message_twice_keeps_one_activity_with_the_latest_rating(backend):
    deal_id = backend.ids["acme-platform"]
    email = _from_ada("<m3@acme.example>", "Re: pricing", 5, "Looks good", Rating.POSITIVE)
    first = backend.crm.log_email(REP, deal_id, email)
    second = backend.crm.log_email(REP, deal_id, EmailLog(**{**vars(email), "rating": Rating.NEGATIVE}))
    deal = backend.crm.get_deal(REP, deal_id)
    logged = [a for a in deal.activities if a.message_id == "<m3@acme.example>"]
    assert first == second
    assert [(a.rating, a.direction, a.subject) for a in logged] == [
        (Rating.NEGATIVE, Direction.INBOUND, "Re: pricing")
    ]
    assert deal.stats.inbound_count == 2


def test_one_message_logged_on_two_deals_is_one_activity_on_each(backend):
    email = _from_ada("<m4@acme.example>", "Re: both deals", 6, "For both", Rating.POSITIVE)
    platform, audit = backend.ids["acme-platform"], backend.ids["initech-audit"]
    first = backend.crm.log_email(REP, platform, email)
    second = backend.crm.log_email(REP, audit, EmailLog(**{**vars(email), "rating": Rating.NEGATIVE}))
    assert first != second
    for deal_id, rating in ((platform, Rating.POSITIVE), (audit, Rating.NEGATIVE)):
        logged = [
            a for a in backend.crm.get_deal(REP, deal_id).activities if a.message_id == email.message_id
        ]
        assert [(a.rating, a.subject) for a in logged] == [(rating, "Re: both deals")]


def test_open_deals_of_rep_are_their_open_deals(backend):
    deals = backend.crm.open_deals_of(REP)
    assert {d.name for d in deals} == {"Acme platform rollout", "Initech audit"}
    assert all(not d.is_closed and d.owner_email == "rep@demo.example" for d in deals)


def test_conflict_carries_the_deal_as_it_is_now_with_who_and_when(backend):
    mine = backend.crm.get_deal(REP, backend.ids["acme-platform"])
    backend.crm.update_deal(REP2, mine.id, DealChanges(mine.version, next_step="Changed by a colleague"))
    with pytest.raises(CrmConflict) as caught:
        backend.crm.update_deal(REP, mine.id, DealChanges(mine.version, next_step="Mine"))
    theirs = caught.value.theirs
    assert (theirs.next_step, theirs.stage.label) == ("Changed by a colleague", "Technical fit")
    assert theirs.version == backend.crm.get_deal(REP, mine.id).version  # "apply mine" can use it
    assert theirs.changed_by == "rep2@demo.example"
    assert theirs.changed_at is not None and theirs.changed_at.tzinfo is not None
    assert mine.changed_at is None or theirs.changed_at > mine.changed_at
    assert movement(theirs, mine.version).moved == {"next_step"}


def test_the_version_tells_when_amount_or_close_date_moved_without_blocking_my_edit(backend):
    mine = backend.crm.get_deal(REP, backend.ids["acme-platform"])
    backend.edit(mine.id, amount=Decimal("150000.00"), close_date=date(2027, 1, 31))
    now = backend.crm.get_deal(REP, mine.id)
    assert movement(now, mine.version).moved == {"amount", "close_date"}
    applied = backend.crm.update_deal(REP, mine.id, DealChanges(mine.version, next_step="Mine"))
    assert (applied.next_step, applied.amount, applied.close_date) == (
        "Mine",
        Decimal("150000.00"),
        date(2027, 1, 31),
    )


def test_concurrent_updates_with_the_same_version_one_wins_the_other_conflicts(backend):
    seen = backend.crm.get_deal(REP, backend.ids["acme-platform"])
    start = threading.Barrier(2, timeout=30)

    def save(rep, step):
        start.wait()  # both leave together, with the same version in hand
        try:
            return backend.crm.update_deal(rep, seen.id, DealChanges(seen.version, next_step=step))
        except CrmConflict as exc:
            return exc

    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(save, (REP, REP2), ("From rep", "From rep2")))
    won = [o for o in outcomes if not isinstance(o, CrmConflict)]
    lost = [o for o in outcomes if isinstance(o, CrmConflict)]
    assert (len(won), len(lost)) == (1, 1)
    assert lost[0].theirs.next_step == won[0].next_step  # the loser is shown the winner's edit
    assert backend.crm.get_deal(REP, seen.id).next_step == won[0].next_step


def test_concurrent_logs_of_one_message_make_one_activity_and_both_succeed(backend):
    deal_id = backend.ids["acme-platform"]
    email = _from_ada("<race@acme.example>", "Re: pricing", 7, "Looks good", Rating.POSITIVE)
    start = threading.Barrier(2, timeout=30)

    def log(rep):
        start.wait()
        return backend.crm.log_email(rep, deal_id, email)

    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(log, (REP, REP2))
    assert first == second
    logged = [a for a in backend.crm.get_deal(REP, deal_id).activities if a.message_id == email.message_id]
    assert [a.rating for a in logged] == [Rating.POSITIVE]
