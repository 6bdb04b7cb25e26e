"""The embedded CRM's side of activity capture: it keeps the counts and names its open deals' owners."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from addin_api import domain as d
from addin_api.crm.local import models as m


def write_counts(s: Session, counts: Sequence[tuple[str, d.CapturedActivity]]) -> int:
    """Upsert each deal's captured counts; deals that no longer exist are skipped."""
    written = 0
    existing = {
        deal_id
        for deal_id in s.scalars(
            select(m.Deal.id).where(m.Deal.id.in_([_id(i) for i, _ in counts if _id(i)]))
        )
    }
    now = d.utcnow()
    for deal_id, a in counts:
        if _id(deal_id) not in existing:
            continue
        s.merge(
            m.CapturedCounts(
                deal_id=_id(deal_id),
                inbound_count=a.inbound_count,
                outbound_count=a.outbound_count,
                last_inbound=a.last_inbound,
                last_outbound=a.last_outbound,
                meetings_held=a.meetings_held,
                next_meeting=a.next_meeting,
                updated_at=now,
            )
        )
        written += 1
    return written


def open_deal_owners(s: Session) -> list[str]:
    """Owners of every open deal, once each."""
    query = (
        select(m.Deal.owner_email)
        .join(m.Stage, m.Deal.stage_id == m.Stage.id)
        .where(m.Stage.is_closed.is_(False))
        .distinct()
    )
    return sorted(s.scalars(query))


def _id(deal_id: str) -> int | None:
    return int(deal_id) if deal_id.isascii() and deal_id.isdigit() and int(deal_id) < 2**31 else None
