"""One formatting for both clients: what the pane's Intl shows, the cards show (locale and time zone)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from addin_api.formatting import Formatter, days_ago


def test_money_and_days_read_as_in_outlook_for_us_english():
    fmt = Formatter("en-US", "America/New_York")
    assert fmt.money(Decimal("184000.00"), "USD") == "$184,000"
    assert fmt.money(Decimal("36000"), "EUR") == "€36,000"
    assert fmt.money(None, "USD") == "—"
    assert fmt.day(date(2027, 1, 9)) == "Jan 9, 2027" and fmt.day("2027-01-09") == "Jan 9, 2027"


def test_the_reps_locale_is_honoured():
    fmt = Formatter("de-DE", "Europe/Berlin")
    assert fmt.money(Decimal("184000"), "EUR") == "184.000\xa0€"
    assert fmt.day(date(2027, 1, 9)) == "9. Jan. 2027"
    assert Formatter("xx-nonsense").money(Decimal("1"), "USD") == "$1", (
        "an unknown locale falls back to en-US"
    )


def test_today_and_yesterday_are_judged_in_the_reps_time_zone():
    now = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
    late_last_night = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)
    assert Formatter("en-US", "Europe/Berlin").relative_day(late_last_night, now) == "today"
    assert Formatter("en-US", "UTC").relative_day(late_last_night, now) == "yesterday"
    assert Formatter("en-US", "UTC").relative_day(datetime(2026, 11, 2, tzinfo=UTC), now) == "Nov 2, 2026"


def test_whole_days_read_plainly():
    assert [days_ago(n) for n in (0, 1, 3)] == ["today", "yesterday", "3 days ago"]


def test_the_gmail_event_gives_locale_and_time_zone():
    event = {"commonEventObject": {"userLocale": "en-GB", "timeZone": {"id": "Europe/London", "offset": 0}}}
    fmt = Formatter.from_event(event)
    assert fmt.day(date(2027, 1, 9)) == "9 Jan 2027" and str(fmt.zone) == "Europe/London"
