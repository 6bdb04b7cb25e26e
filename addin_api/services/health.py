"""Deal health from email activity: inbound/outbound counts and 'going dark'."""

from __future__ import annotations

from datetime import datetime

from addin_api.domain import ActivityStats, Health


def health_of(stats: ActivityStats, now: datetime, going_dark_days: int) -> Health:
    """Going dark = the buyer has not written for `going_dark_days`, or never wrote back to our emails."""
    days = (now - stats.last_inbound).days if stats.last_inbound else None
    if days is None:
        dark = stats.outbound_count > 0  # we keep writing, they never answered
    else:
        dark = days >= going_dark_days
    return Health(
        stats.inbound_count, stats.outbound_count, stats.last_inbound, stats.last_outbound, days, dark
    )


def last_activity(stats: ActivityStats) -> datetime | None:
    """The most recent email either way, used to put the most active deals first."""
    dates = [x for x in (stats.last_inbound, stats.last_outbound) if x]
    return max(dates) if dates else None
