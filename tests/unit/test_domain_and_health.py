"""Pure rules: edit rights, stage lookup, direction, fingerprints, health and going dark."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from addin_api.domain import ActivityStats, Direction, direction_of, fingerprint
from addin_api.services.health import health_of
from tests.factories import make_deal

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


def test_fingerprint_changes_with_either_field():
    base = fingerprint("technical_fit", "Call")
    assert base == fingerprint("technical_fit", "Call")
    assert base != fingerprint("contract_sent", "Call") and base != fingerprint("technical_fit", "Call 2")


def test_recent_inbound_is_healthy():
    h = health_of(ActivityStats(3, 2, NOW - timedelta(days=3), NOW - timedelta(days=1)), NOW, 21)
    assert (h.days_since_inbound, h.going_dark) == (3, False)


def test_silence_of_exactly_the_threshold_is_going_dark():
    assert health_of(ActivityStats(1, 4, NOW - timedelta(days=21), NOW), NOW, 21).going_dark
    assert not health_of(ActivityStats(1, 4, NOW - timedelta(days=20, hours=23), NOW), NOW, 21).going_dark


def test_never_answered_outreach_is_going_dark_but_no_email_at_all_is_not():
    assert health_of(ActivityStats(0, 3, None, NOW), NOW, 21).going_dark
    assert not health_of(ActivityStats(), NOW, 21).going_dark
