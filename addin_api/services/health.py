"""Deal health from email activity: counts, 'going dark', the buyer's sentiment trend and early warnings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from statistics import fmean

from addin_api.domain import (
    ActivityStats,
    CapturedActivity,
    CaptureStatus,
    DealWarning,
    Direction,
    EmailActivity,
    Health,
    TrendPoint,
)

TREND_POINTS = 8  # inbound emails in the trend (a sparkline's worth)
RECENT_INBOUND = 3  # the buyer's last few emails the negative-sentiment rule reads
NEGATIVE_TREND = -0.2  # their mean score at or below this reads as a negative trend
STRONGLY_NEGATIVE = -0.5  # one email at or below this is a warning on its own
WARNING_TERMS = 4  # triggering terms named in the message


def health_of(
    stats: ActivityStats,
    now: datetime,
    going_dark_days: int,
    activities: Sequence[EmailActivity] = (),
    closed: bool = False,
    captured: CapturedActivity | None = None,
    capture: CaptureStatus | None = None,
) -> Health:
    """Going dark = the buyer has not written for `going_dark_days`, or never wrote back to our emails.

    `activities` (any order) give the inbound sentiment trend and the negative-sentiment warning; a
    closed deal is never warned about going dark. With `captured`, the mailbox's counts top up the
    logged ones, so an unlogged buyer email counts.
    """
    stats = stats.merged_with(captured)
    days = (now - stats.last_inbound).days if stats.last_inbound else None
    # Never having answered while we keep writing is going dark too.
    dark = stats.outbound_count > 0 if days is None else days >= going_dark_days
    read = _inbound_read(activities)
    warnings = [w for w in (_going_dark(days, dark and not closed), _negative(read)) if w]
    trend = tuple(TrendPoint(a.sent_at, a.sentiment.score, a.sentiment.label) for a in read[-TREND_POINTS:])
    return Health(
        stats.inbound_count,
        stats.outbound_count,
        stats.last_inbound,
        stats.last_outbound,
        days,
        dark,
        tuple(warnings),
        trend,
        captured.meetings_held if captured else 0,
        captured.next_meeting if captured else None,
        capture or CaptureStatus(),
    )


def last_activity(stats: ActivityStats) -> datetime | None:
    """The most recent email either way, used to put the most active deals first."""
    dates = [x for x in (stats.last_inbound, stats.last_outbound) if x]
    return max(dates) if dates else None


def _inbound_read(activities: Sequence[EmailActivity]) -> list[EmailActivity]:
    """The buyer's emails that have a sentiment, oldest first."""
    inbound = [a for a in activities if a.direction == Direction.INBOUND and a.sentiment is not None]
    return sorted(inbound, key=lambda a: a.sent_at)


def _going_dark(days: int | None, dark: bool) -> DealWarning | None:
    if not dark:
        return None
    message = (
        "The buyer never replied to our emails" if days is None else f"No reply from the buyer in {days} days"
    )
    return DealWarning(DealWarning.GOING_DARK, message + ".")


def _negative(read: list[EmailActivity]) -> DealWarning | None:
    """The buyer's last emails read negative on average, or one of them strongly negative."""
    recent = read[-RECENT_INBOUND:]
    if not recent:
        return None
    strong = [a for a in recent if a.sentiment.score <= STRONGLY_NEGATIVE]
    if len(recent) > 1 and fmean(a.sentiment.score for a in recent) <= NEGATIVE_TREND:
        words, why = _terms(recent), "Buyer's last emails read negative"
    elif strong:
        words, why = _terms(strong), "A recent email from the buyer reads strongly negative"
    else:
        return None
    return DealWarning(
        DealWarning.NEGATIVE_SENTIMENT, f"{why}: {', '.join(words)}." if words else f"{why}.", tuple(words)
    )


def _terms(emails: list[EmailActivity]) -> list[str]:
    """The terms that pulled these emails down most, strongest first, each once."""
    pulls: dict[str, float] = {}
    for email in emails:
        for term, weight in email.sentiment.terms:
            if weight < 0:
                pulls[term] = pulls.get(term, 0.0) + weight
    return sorted(pulls, key=lambda t: pulls[t])[:WARNING_TERMS]
