"""Early warnings and the inbound sentiment trend (services/health.py), from activities alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from addin_api import domain as d
from addin_api.services.health import TREND_POINTS, health_of

NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
RECENT = d.ActivityStats(3, 3, NOW - timedelta(days=1), NOW - timedelta(days=2))


def _email(days_ago: float, score: float | None, terms=(), direction=d.Direction.INBOUND) -> d.EmailActivity:
    label = "negative" if score is not None and score < -0.05 else "positive"
    read = d.Sentiment(score, label, tuple(terms)) if score is not None else None
    return d.EmailActivity(f"<{days_ago}@x>", "Re", direction, NOW - timedelta(days=days_ago), None, read)


def _codes(health: d.Health) -> list[str]:
    return [w.code for w in health.warnings]


def test_a_negative_trend_over_the_last_emails_warns_with_the_words_that_pulled_it_down():
    emails = [
        _email(1, -0.3, [("on hold", -3.0), ("thanks", 1.9)]),
        _email(3, -0.25, [("budget reallocated", -4.0)]),
        _email(5, -0.1, [("next quarter", -1.0)]),
    ]
    health = health_of(RECENT, NOW, 21, emails)
    (warning,) = health.warnings
    assert warning.code == "negative_sentiment"
    assert warning.terms == ("budget reallocated", "on hold", "next quarter")
    assert warning.message == "Buyer's last emails read negative: budget reallocated, on hold, next quarter."


def test_one_strongly_negative_email_among_the_last_three_is_enough():
    emails = [_email(1, 0.4), _email(2, 0.5), _email(3, -0.7, [("go with another vendor", -3.0)])]
    (warning,) = health_of(RECENT, NOW, 21, emails).warnings
    assert warning.message == "A recent email from the buyer reads strongly negative: go with another vendor."


def test_the_warning_clears_once_newer_emails_read_well_and_mildly_negative_ones_do_not_warn():
    older_bad = [_email(10, -0.8, [("cancel", -3.0)]), _email(9, -0.6, [("on hold", -3.0)])]
    assert _codes(health_of(RECENT, NOW, 21, older_bad)) == ["negative_sentiment"]
    warmer = [*older_bad, _email(3, 0.6), _email(2, 0.5), _email(1, 0.7)]
    assert health_of(RECENT, NOW, 21, warmer).warnings == ()
    mild = [_email(3, -0.1), _email(2, -0.15), _email(1, 0.1)]
    assert health_of(RECENT, NOW, 21, mild).warnings == ()


def test_our_own_emails_and_unread_ones_neither_warn_nor_enter_the_trend():
    emails = [_email(1, -0.9, direction=d.Direction.OUTBOUND), _email(2, None), _email(3, 0.2)]
    health = health_of(RECENT, NOW, 21, emails)
    assert health.warnings == () and [p.score for p in health.sentiment_trend] == [0.2]


def test_the_trend_is_the_last_inbound_readings_oldest_first():
    emails = [_email(days, days / 100) for days in range(1, 12)]  # given newest first, as CRMs list them
    trend = health_of(RECENT, NOW, 21, emails).sentiment_trend
    assert len(trend) == TREND_POINTS
    assert [p.sent_at for p in trend] == sorted(p.sent_at for p in trend)
    assert trend[-1].sent_at == NOW - timedelta(days=1)


def test_going_dark_warns_in_plain_words_but_never_on_a_closed_deal():
    silent = d.ActivityStats(1, 2, NOW - timedelta(days=30), NOW - timedelta(days=2))
    (warning,) = health_of(silent, NOW, 21).warnings
    assert (warning.code, warning.message, warning.terms) == (
        "going_dark",
        "No reply from the buyer in 30 days.",
        (),
    )
    never = d.ActivityStats(0, 2, None, NOW)
    assert health_of(never, NOW, 21).warnings[0].message == "The buyer never replied to our emails."
    assert health_of(silent, NOW, 21, closed=True).warnings == ()
