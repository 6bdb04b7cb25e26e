"""Money, dates and "today"/"yesterday" as reps read them, in their locale and time zone (CLDR via Babel).

The Outlook pane formats with the browser's Intl API using the same CLDR patterns (static/js/format.js):
`$184,000` and `Jan 9, 2027` in en-US. Gmail cards format here, from the event's userLocale and timeZone.
"""

from __future__ import annotations

import re
from datetime import date, datetime, tzinfo
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.dates import format_skeleton
from babel.numbers import format_currency, format_decimal

DEFAULT_LOCALE = "en_US"
NONE = "—"


def locale_of(tag: str | None) -> Locale:
    """A Babel locale from a BCP 47 tag ('en-GB', 'de'); en-US when missing or unknown."""
    try:
        return Locale.parse((tag or DEFAULT_LOCALE).replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return Locale.parse(DEFAULT_LOCALE)


def zone_of(name: str | None) -> tzinfo:
    """The IANA time zone by name; UTC when missing or unknown."""
    try:
        return ZoneInfo(name) if name else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def money(amount: Decimal | str | None, currency: str, locale: Locale) -> str:
    """Whole currency units, as Intl.NumberFormat with maximumFractionDigits 0: '$184,000'."""
    if amount is None or amount == "":
        return NONE
    value = round(Decimal(str(amount)))
    try:
        pattern = re.sub(r"\.0+", "", locale.currency_formats["standard"].pattern)
        return format_currency(value, currency, pattern, locale=locale, currency_digits=False)
    except (ValueError, KeyError):  # not a currency code
        return f"{format_decimal(value, locale=locale)} {currency}".strip()


def day(value: date | str | None, locale: Locale) -> str:
    """A calendar day as Intl's {day numeric, month short, year numeric}: 'Jan 9, 2027'."""
    if not value:
        return NONE
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return format_skeleton("yMMMd", value, locale=locale)


def relative_day(moment: datetime | None, now: datetime, zone: tzinfo, locale: Locale) -> str:
    """'today', 'yesterday', else the day: judged in the rep's time zone, not the server's."""
    if moment is None:
        return NONE
    then, today = moment.astimezone(zone).date(), now.astimezone(zone).date()
    if then == today:
        return "today"
    if (today - then).days == 1:
        return "yesterday"
    return day(then, locale)


def days_ago(days: int | None) -> str:
    """'today', 'yesterday', '3 days ago' for a count of whole days."""
    if days is None:
        return NONE
    return "today" if days <= 0 else "yesterday" if days == 1 else f"{days} days ago"


class Formatter:
    """One rep's formatting: their locale and time zone (from the Gmail event, or defaults)."""

    def __init__(self, locale: str | None = None, zone: str | None = None):
        self.locale, self.zone = locale_of(locale), zone_of(zone)

    @classmethod
    def from_event(cls, event: dict) -> Formatter:
        """From a Workspace add-on event: commonEventObject.userLocale and timeZone.id."""
        common = event.get("commonEventObject") or {}
        zone = common.get("timeZone") or {}
        return cls(common.get("userLocale"), zone.get("id") if isinstance(zone, dict) else None)

    def money(self, amount, currency: str) -> str:
        """'$184,000' (no amount: '—')."""
        return money(amount, currency, self.locale)

    def day(self, value) -> str:
        """'Jan 9, 2027'."""
        return day(value, self.locale)

    def relative_day(self, moment: datetime | None, now: datetime) -> str:
        """'today', 'yesterday' or the day, in the rep's time zone."""
        return relative_day(moment, now, self.zone, self.locale)
