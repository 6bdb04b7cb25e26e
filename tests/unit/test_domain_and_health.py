"""Pure rules: edit rights, stage lookup, direction, fingerprints, health and going dark."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from addin_api.domain import (
    TRACKED,
    ActivityStats,
    DealChanges,
    Direction,
    Movement,
    conflicts_with,
    direction_of,
    fingerprint,
    make_version,
    movement,
)
from addin_api.services.health import health_of
from tests.factories import STAGES, make_deal

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_owner_and_team_may_edit_others_only_read():
    deal = make_deal(owner_email="Owner@Acme.example", team_emails=("mate@acme.example",))
    assert deal.editable_by("owner@acme.example")
    assert deal.editable_by("MATE@acme.example")
    assert not deal.editable_by("someone@acme.example")


def test_stage_lookup_only_knows_the_deals_own_stages():
    deal = make_deal()
    assert deal.stage_by_id("technical_fit").label == "Technical fit"
    assert deal.stage_by_id("Negotiation") is None


def test_direction_is_relative_to_the_rep():
    assert direction_of("Rep@Demo.example", {"rep@demo.example"}) is Direction.OUTBOUND
    assert direction_of("buyer@acme.example", {"rep@demo.example"}) is Direction.INBOUND


def test_fingerprint_changes_with_any_tracked_field():
    base = fingerprint("technical_fit", "Call", Decimal("1000.00"), date(2026, 12, 31))
    assert base == fingerprint("technical_fit", "Call", Decimal("1000"), date(2026, 12, 31))  # same amount
    others = [
        fingerprint("contract_sent", "Call", Decimal("1000"), date(2026, 12, 31)),
        fingerprint("technical_fit", "Call 2", Decimal("1000"), date(2026, 12, 31)),
        fingerprint("technical_fit", "Call", Decimal("1500"), date(2026, 12, 31)),
        fingerprint("technical_fit", "Call", None, date(2026, 12, 31)),
        fingerprint("technical_fit", "Call", Decimal("1000"), date(2027, 1, 31)),
    ]
    assert base not in others


def _version(deal, token="7"):
    return make_version(token, deal.stage.id, deal.next_step, deal.amount, deal.close_date)


def test_movement_names_each_field_that_moved_since_the_version():
    seen = make_deal()
    now = make_deal(stage=STAGES[3], amount=Decimal("2500"))
    assert movement(now, _version(seen)) == Movement(frozenset({"stage", "amount"}))
    assert movement(seen, _version(seen)) == Movement(frozenset())


def test_a_version_issued_before_amount_was_tracked_still_tells_stage_and_next_step():
    seen = make_deal()
    old_format = "7|" + _version(seen).split("|")[1][:16]  # what make_version issued before
    now = make_deal(next_step="Call back", amount=Decimal("2500"))
    moved = movement(now, old_format)
    assert moved.moved == {"next_step"}  # stage did not move; amount it cannot tell
    assert moved.unknown == {"amount", "close_date"}
    assert conflicts_with(now, DealChanges(old_format, next_step="Mine"))
    assert not conflicts_with(now, DealChanges(old_format, stage_id="contract_sent"))


def test_an_unreadable_version_counts_every_edited_field_as_moved():
    now = make_deal()
    assert movement(now, "garbage").maybe == set(TRACKED) and not movement(now, "garbage").moved
    assert conflicts_with(now, DealChanges("garbage", stage_id="contract_sent"))


def test_recent_inbound_is_healthy():
    h = health_of(ActivityStats(3, 2, NOW - timedelta(days=3), NOW - timedelta(days=1)), NOW, 21)
    assert (h.days_since_inbound, h.going_dark) == (3, False)


def test_silence_of_exactly_the_threshold_is_going_dark():
    assert health_of(ActivityStats(1, 4, NOW - timedelta(days=21), NOW), NOW, 21).going_dark
    assert not health_of(ActivityStats(1, 4, NOW - timedelta(days=20, hours=23), NOW), NOW, 21).going_dark


def test_never_answered_outreach_is_going_dark_but_no_email_at_all_is_not():
    assert health_of(ActivityStats(0, 3, None, NOW), NOW, 21).going_dark
    assert not health_of(ActivityStats(), NOW, 21).going_dark
