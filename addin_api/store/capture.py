"""Capture's tables and their store: folder cursors, counted items per deal, counts written, passes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Integer, String, Text, and_, bindparam, delete, func, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from addin_api.capture.port import DealCounts, ItemRow, MeetingItem
from addin_api.domain import CapturedActivity, utcnow
from addin_api.store.db import StoreBase, UtcDateTime


class CaptureCursor(StoreBase):
    """Where a folder's incremental read resumes: a Graph next/delta link, Gmail history id, sync token."""

    __tablename__ = "capture_cursors"
    source: Mapped[str] = mapped_column(String(20), primary_key=True)
    mailbox: Mapped[str] = mapped_column(String(320), primary_key=True)
    folder: Mapped[str] = mapped_column(String(40), primary_key=True)
    cursor: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CaptureItem(StoreBase):
    """One email or meeting counted on one deal, once per Message-ID / iCalUId (headers only)."""

    __tablename__ = "capture_items"
    crm: Mapped[str] = mapped_column(String(20), primary_key=True)
    deal_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(998), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # in | out | meeting
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    ref: Mapped[str] = mapped_column(String(1100), index=True)  # mailbox[:event id] that showed it


class CaptureCounts(StoreBase):
    """A deal's counts as last written to the CRM (and shown in its health)."""

    __tablename__ = "capture_counts"
    crm: Mapped[str] = mapped_column(String(20), primary_key=True)
    deal_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    inbound: Mapped[int] = mapped_column(Integer)
    outbound: Mapped[int] = mapped_column(Integer)
    last_inbound: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_outbound: Mapped[datetime | None] = mapped_column(UtcDateTime())
    meetings_held: Mapped[int] = mapped_column(Integer)
    next_meeting: Mapped[datetime | None] = mapped_column(UtcDateTime())


class CapturePass(StoreBase):
    """One finished capture pass."""

    __tablename__ = "capture_passes"
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    items: Mapped[int] = mapped_column(Integer)
    deals: Mapped[int] = mapped_column(Integer)


class CaptureStore:
    """The SQLAlchemy implementation of CaptureStorePort."""

    def __init__(self, sessions: sessionmaker):
        self.sessions = sessions

    def cursor(self, source: str, mailbox: str, folder: str) -> str | None:
        """The stored cursor of one folder, None before its first page."""
        with self.sessions() as s:
            row = s.get(CaptureCursor, (source, mailbox, folder))
            return row.cursor if row else None

    def apply_page(self, source, mailbox, folder, cursor, crm, rows: Sequence[ItemRow], cancelled) -> int:
        """One transaction: count new rows, drop cancelled meetings, store the cursor; rows added."""
        added = 0
        with self.sessions() as s, s.begin():
            for meeting in cancelled:
                s.execute(delete(CaptureItem).where(CaptureItem.crm == crm, _meeting(meeting, mailbox)))
            for row in rows:
                current = s.get(CaptureItem, (crm, row.deal_id, row.key))
                if current is None:
                    s.add(
                        CaptureItem(
                            crm=crm, deal_id=row.deal_id, key=row.key, kind=row.kind, at=row.at, ref=row.ref
                        )
                    )
                    s.flush()
                    added += 1
                elif row.kind == "meeting" and current.at != row.at:
                    current.at = row.at  # rescheduled
            self._put_cursor(s, source, mailbox, folder, cursor)
        return added

    def drop_cursor(self, source: str, mailbox: str, folder: str) -> None:
        """Forget a folder's cursor (its next read is a full one)."""
        with self.sessions() as s, s.begin():
            s.execute(
                delete(CaptureCursor).where(
                    CaptureCursor.source == source,
                    CaptureCursor.mailbox == mailbox,
                    CaptureCursor.folder == folder,
                )
            )

    def changed_counts(self, crm: str, now: datetime) -> list[DealCounts]:
        """Every deal's counts that differ from what was last written to the CRM."""
        with self.sessions() as s:
            fresh = _aggregate(s, crm, now)
            written = {
                r.deal_id: _activity(r)
                for r in s.scalars(select(CaptureCounts).where(CaptureCounts.crm == crm))
            }
        gone = {deal_id: CapturedActivity() for deal_id in written if deal_id not in fresh}
        return [DealCounts(k, v) for k, v in sorted({**gone, **fresh}.items()) if written.get(k) != v]

    def mark_written(self, crm: str, counts: Sequence[DealCounts]) -> None:
        """Remember these counts as written to the CRM."""
        with self.sessions() as s, s.begin():
            for c in counts:
                a = c.activity
                s.merge(
                    CaptureCounts(
                        crm=crm,
                        deal_id=c.deal_id,
                        inbound=a.inbound_count,
                        outbound=a.outbound_count,
                        last_inbound=a.last_inbound,
                        last_outbound=a.last_outbound,
                        meetings_held=a.meetings_held,
                        next_meeting=a.next_meeting,
                    )
                )

    def record_pass(self, source: str, started_at: datetime, finished_at: datetime, stats: dict) -> None:
        """Note a finished pass."""
        with self.sessions() as s, s.begin():
            s.add(CapturePass(source=source, started_at=started_at, finished_at=finished_at, **stats))

    def captured(self, crm: str, deal_ids: Sequence[str]) -> dict[str, CapturedActivity]:
        """The counts last written for these deals, by deal id."""
        if not deal_ids:
            return {}
        with self.sessions() as s:
            rows = s.scalars(
                select(CaptureCounts).where(
                    CaptureCounts.crm == crm, CaptureCounts.deal_id.in_(list(deal_ids))
                )
            )
            return {r.deal_id: _activity(r) for r in rows}

    def last_pass_at(self) -> datetime | None:
        """When the last pass finished, None if capture never ran."""
        with self.sessions() as s:
            return s.scalar(select(func.max(CapturePass.finished_at)))

    def seen(self, crm: str, deal_ids: Sequence[str]) -> tuple[datetime | None, dict[str, CapturedActivity]]:
        """In one query: when the last pass finished (None: never) and, if one did, these deals' counts."""
        with self.sessions() as s:
            rows = s.execute(_SEEN, {"crm": crm, "deal_ids": list(deal_ids)}).all()
        last = rows[0].last if rows else None
        if last is None:
            return None, {}
        return last, {r.deal_id: _activity(r) for r in rows if r.deal_id is not None}

    @staticmethod
    def _put_cursor(s: Session, source: str, mailbox: str, folder: str, cursor: str) -> None:
        row = s.get(CaptureCursor, (source, mailbox, folder))
        now = utcnow()
        if row is None:
            s.add(CaptureCursor(source=source, mailbox=mailbox, folder=folder, cursor=cursor, updated_at=now))
        else:
            row.cursor, row.updated_at = cursor, now


_last_pass = select(func.max(CapturePass.__table__.c.finished_at).label("last")).subquery()
_C = CaptureCounts.__table__
# One row per counted deal (or one row of NULL counts), each with the last pass's time. Built once.
_SEEN = select(_last_pass.c.last, *_C.c).select_from(
    _last_pass.outerjoin(
        _C, and_(_C.c.crm == bindparam("crm"), _C.c.deal_id.in_(bindparam("deal_ids", expanding=True)))
    )
)


def _meeting(meeting: MeetingItem, mailbox: str):
    ref = CaptureItem.ref == f"{mailbox}:{meeting.ref}"
    return or_(ref, CaptureItem.key == meeting.key) if meeting.key else ref


def _aggregate(s: Session, crm: str, now: datetime) -> dict[str, CapturedActivity]:
    """Counts per deal straight from the counted items (so each item counts once by construction)."""
    i = CaptureItem
    out: dict[str, dict] = {}
    for deal_id, kind, n, last in s.execute(
        select(i.deal_id, i.kind, func.count(), func.max(i.at))
        .where(i.crm == crm, i.kind != "meeting")
        .group_by(i.deal_id, i.kind)
    ):
        out.setdefault(deal_id, {})[kind] = (n, last)
    for deal_id, held in s.execute(
        select(i.deal_id, func.count())
        .where(i.crm == crm, i.kind == "meeting", i.at <= now)
        .group_by(i.deal_id)
    ):
        out.setdefault(deal_id, {})["held"] = held
    for deal_id, nxt in s.execute(
        select(i.deal_id, func.min(i.at))
        .where(i.crm == crm, i.kind == "meeting", i.at > now)
        .group_by(i.deal_id)
    ):
        out.setdefault(deal_id, {})["next"] = nxt
    return {
        deal_id: CapturedActivity(
            v.get("in", (0, None))[0],
            v.get("out", (0, None))[0],
            v.get("in", (0, None))[1],
            v.get("out", (0, None))[1],
            v.get("held", 0),
            v.get("next"),
        )
        for deal_id, v in out.items()
    }


def _activity(r: CaptureCounts) -> CapturedActivity:
    return CapturedActivity(
        r.inbound, r.outbound, r.last_inbound, r.last_outbound, r.meetings_held, r.next_meeting
    )
