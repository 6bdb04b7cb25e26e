"""Deal health from email activity: inbound/outbound counts and 'going dark'."""

from __future__ import annotations

from datetime import datetime

from addin_api.domain import ActivityStats, CapturedActivity, CaptureStatus, Health


def health_of(
    stats: ActivityStats,
    now: datetime,
    going_dark_days: int,
    captured: CapturedActivity | None = None,
    capture: CaptureStatus | None = None,
) -> Health:
    """Going dark = the buyer has not written for `going_dark_days`, or never wrote back to our emails.

    With `captured`, the mailbox's counts top up the logged ones, so an unlogged buyer email counts.
    """
    stats = stats.merged_with(captured)
    days = (now - stats.last_inbound).days if stats.last_inbound else None
    # no inbound at all: dark when we keep writing and they never answered
    dark = stats.outbound_count > 0 if days is None else days >= going_dark_days
    return Health(
        stats.inbound_count,
        stats.outbound_count,
        stats.last_inbound,
        stats.last_outbound,
        days,
        dark,
        captured.meetings_held if captured else 0,
        captured.next_meeting if captured else None,
        capture or CaptureStatus(),
    )


def last_activity(stats: ActivityStats) -> datetime | None:
    """The most recent email either way, used to put the most active deals first."""
    dates = [x for x in (stats.last_inbound, stats.last_outbound) if x]
    return max(dates) if dates else None
