"""Outbox repository: record a change with its audit entry, claim due rows, settle their outcome."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import asdict
from datetime import timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from addin_api.domain import ChangeState, Principal
from addin_api.store.db import db_now
from addin_api.store.models import AuditEntry, OutboxRow

QUEUED, NEEDS_CONNECT, DONE = ChangeState.QUEUED, ChangeState.NEEDS_CONNECT, ChangeState.DONE


class Outbox:
    """All outbox and audit access; sessions are short and never cross a CRM call."""

    def __init__(self, sessions: sessionmaker):
        self.sessions = sessions

    def record(
        self,
        rep: Principal,
        crm: str,
        deal_id: str,
        op: str,
        payload: dict,
        before: dict | None,
        idempotency_key: str | None,
        lease: timedelta,
        within: Callable[[Session], None] | None = None,
    ) -> tuple[OutboxRow, bool]:
        """Audit entry + outbox row in one transaction, leased to the caller for `lease`.

        Returns (row, created); a reused idempotency key returns the first row and False, so only the
        request that created a row ever applies it. `within(session)` runs in that transaction after the
        row is written (a rating teaches the org's lexicon there): a reused key undoes it with the row.
        """
        with self.sessions() as s:
            now = db_now(s)
        row = OutboxRow(
            id=str(uuid.uuid4()),
            crm=crm,
            deal_id=deal_id,
            op=op,
            payload=payload,
            user_key=rep.key,
            user=asdict(rep),
            idempotency_key=idempotency_key,
            state=QUEUED,
            attempts=0,
            failures=0,
            next_attempt_at=now + lease,
            lease=str(uuid.uuid4()),
            created_at=now,
            updated_at=now,
        )
        audit = AuditEntry(
            at=now,
            user_key=rep.key,
            user_email=rep.email,
            crm=crm,
            deal_id=deal_id,
            op=op,
            before=before,
            after=_redacted(payload),
            change_id=row.id,
        )
        try:
            with self.sessions.begin() as s:
                s.add_all([row, audit])
                s.flush()  # a reused idempotency key fails here, before `within` does any work
                if within is not None:
                    within(s)
        except IntegrityError:
            existing = self.by_idempotency_key(rep.key, idempotency_key) if idempotency_key else None
            if existing is None:
                raise
            return existing, False
        return row, True

    def get(self, change_id: str) -> OutboxRow | None:
        """The change with this public id."""
        with self.sessions() as s:
            return s.scalar(select(OutboxRow).where(OutboxRow.id == change_id))

    def by_idempotency_key(self, user_key: str, key: str) -> OutboxRow | None:
        """The change a user already recorded under this Idempotency-Key."""
        with self.sessions() as s:
            return s.scalar(
                select(OutboxRow).where(OutboxRow.user_key == user_key, OutboxRow.idempotency_key == key)
            )

    def has_earlier_pending(self, row: OutboxRow) -> bool:
        """True if an older deliverable change to the same deal is still queued (order must hold).

        Another rep's parked change does not count: it waits for that rep, not for the deal.
        """
        with self.sessions() as s:
            return (
                s.scalar(
                    select(func.count()).where(
                        OutboxRow.crm == row.crm,
                        OutboxRow.deal_id == row.deal_id,
                        OutboxRow.state == QUEUED,
                        OutboxRow.seq < row.seq,
                    )
                )
                > 0
            )

    def earlier_in_flight(self, row: OutboxRow) -> bool:
        """True if every older queued change to the deal is being applied right now (a live lease)."""
        with self.sessions() as s:
            idle = s.scalar(
                select(func.count()).where(
                    OutboxRow.crm == row.crm,
                    OutboxRow.deal_id == row.deal_id,
                    OutboxRow.state == QUEUED,
                    OutboxRow.seq < row.seq,
                    or_(OutboxRow.lease.is_(None), OutboxRow.next_attempt_at <= db_now(s)),
                )
            )
        return idle == 0

    def due_heads(self, crm: str, limit: int = 100) -> list[OutboxRow]:
        """Per deal, the oldest queued row, if it is due now (by the database's clock)."""
        heads = (
            select(func.min(OutboxRow.seq))
            .where(OutboxRow.state == QUEUED, OutboxRow.crm == crm)
            .group_by(OutboxRow.deal_id)
        )
        with self.sessions() as s:
            now = db_now(s)
            return list(
                s.scalars(
                    select(OutboxRow)
                    .where(OutboxRow.seq.in_(heads), OutboxRow.next_attempt_at <= now)
                    .order_by(OutboxRow.seq)
                    .limit(limit)
                )
            )

    def claim(self, row: OutboxRow, lease: timedelta) -> bool:
        """Take a due row for `lease` with a compare-and-set, so concurrent drainers never share one.

        On success `row.lease` holds the new lease token that renew/settle/retry_later must present.
        """
        token = str(uuid.uuid4())
        with self.sessions.begin() as s:
            now = db_now(s)
            taken = s.execute(
                update(OutboxRow)
                .where(
                    OutboxRow.seq == row.seq,
                    OutboxRow.state == QUEUED,
                    OutboxRow.next_attempt_at <= now,
                )
                .values(next_attempt_at=now + lease, lease=token, updated_at=now)
            ).rowcount
        if taken == 1:
            row.lease = token
        return taken == 1

    def note_before(self, row: OutboxRow, before: dict) -> None:
        """Set the audit entry's before-values to what the change's write found (read in its own trip)."""
        with self.sessions.begin() as s:
            s.execute(update(AuditEntry).where(AuditEntry.change_id == row.id).values(before=before))

    def renew(self, row: OutboxRow, lease: timedelta) -> bool:
        """Extend our lease to `lease` from now; False when it expired and someone else took the row."""
        with self.sessions.begin() as s:
            now = db_now(s)
            renewed = s.execute(self._held(row).values(next_attempt_at=now + lease, updated_at=now))
            return renewed.rowcount == 1

    def settle(self, row: OutboxRow, state: str, result: dict | None = None) -> bool:
        """Record a final outcome (done, conflict, rejected) if we still hold the row's lease.

        The email body is dropped once settled. False means the lease was lost (it expired and another
        worker took the row), so this outcome is not recorded over theirs.
        """
        return self._update_held(
            row,
            state=state,
            result=result,
            attempts=OutboxRow.attempts + 1,
            payload=_redacted(row.payload),
            lease=None,
        )

    def retry_later(self, row: OutboxRow, error: str, delay: timedelta, *, unexpected: bool = False) -> bool:
        """Keep the row queued and due again after `delay` (only while we hold its lease)."""
        return self._update_held(
            row,
            delay=delay,
            attempts=OutboxRow.attempts + 1,
            failures=OutboxRow.failures + (1 if unexpected else 0),
            last_error=error,
            lease=None,
        )

    def park(self, row: OutboxRow, note: str) -> bool:
        """Wait for the rep to reconnect their CRM: no attempt counted, no deal's queue held."""
        return self._update_held(row, state=NEEDS_CONNECT, last_error=note, lease=None)

    def release(self, row: OutboxRow) -> None:
        """Make a row due now (used when a request queues behind an older change)."""
        with self.sessions.begin() as s:
            now = db_now(s)
            s.execute(
                update(OutboxRow)
                .where(OutboxRow.seq == row.seq, OutboxRow.lease == row.lease)
                .values(next_attempt_at=now, lease=None)
            )

    def release_parked(self, user_key: str) -> int:
        """The rep reconnected: their parked changes are deliverable again, due now, in their old order."""
        with self.sessions.begin() as s:
            now = db_now(s)
            return s.execute(
                update(OutboxRow)
                .where(OutboxRow.user_key == user_key, OutboxRow.state == NEEDS_CONNECT)
                .values(state=QUEUED, next_attempt_at=now, last_error=None, lease=None, updated_at=now)
            ).rowcount

    def undelivered_by_crm(self) -> dict[str, int]:
        """CRM name → how many changes recorded for it are still queued or waiting for a connection."""
        undelivered = (ChangeState.QUEUED, ChangeState.NEEDS_CONNECT)
        with self.sessions() as s:
            rows = s.execute(
                select(OutboxRow.crm, func.count())
                .where(OutboxRow.state.in_(undelivered))
                .group_by(OutboxRow.crm)
            )
            return {crm: n for crm, n in rows}

    def count(self, user_key: str, state: str) -> int:
        """How many of this user's changes are in `state`."""
        with self.sessions() as s:
            return s.scalar(
                select(func.count()).where(OutboxRow.user_key == user_key, OutboxRow.state == state)
            )

    def of_user(self, user_key: str, state: str, limit: int) -> list[OutboxRow]:
        """This user's changes in `state`, oldest first."""
        with self.sessions() as s:
            return list(
                s.scalars(
                    select(OutboxRow)
                    .where(OutboxRow.user_key == user_key, OutboxRow.state == state)
                    .order_by(OutboxRow.seq)
                    .limit(limit)
                )
            )

    def _update_held(self, row: OutboxRow, delay: timedelta | None = None, **values) -> bool:
        with self.sessions.begin() as s:
            now = db_now(s)
            if delay is not None:
                values["next_attempt_at"] = now + delay
            return s.execute(self._held(row).values(updated_at=now, **values)).rowcount == 1

    @staticmethod
    def _held(row: OutboxRow):
        return update(OutboxRow).where(
            OutboxRow.seq == row.seq, OutboxRow.state == QUEUED, OutboxRow.lease == row.lease
        )

    def rebased_version(self, row: OutboxRow) -> str | None:
        """The version after this rep's earlier delivered change made from the same view, if any.

        A rep who saves twice while the CRM is down sends the same base version both times; the second
        change must build on the first, not conflict with the rep's own edit.
        """
        with self.sessions() as s:
            earlier = s.scalars(
                select(OutboxRow)
                .where(
                    OutboxRow.crm == row.crm,
                    OutboxRow.deal_id == row.deal_id,
                    OutboxRow.user_key == row.user_key,
                    OutboxRow.op == row.op,
                    OutboxRow.state == DONE,
                    OutboxRow.seq < row.seq,
                )
                .order_by(OutboxRow.seq.desc())
                .limit(20)
            )
            for prior in earlier:
                result = prior.result or {}
                if result.get("base_version") == row.payload.get("version"):
                    return result.get("new_version")
        return None

    def purge(self, settled_older_than: timedelta, audit_older_than: timedelta) -> dict[str, int]:
        """Delete settled changes and audit entries past retention; drop bodies still kept on settled rows.

        Queued and parked changes are never purged: they are still to be delivered.
        """
        with self.sessions.begin() as s:
            now = db_now(s)
            changes = s.execute(
                delete(OutboxRow).where(
                    OutboxRow.state.in_(ChangeState.SETTLED), OutboxRow.updated_at < now - settled_older_than
                )
            ).rowcount
            audit = s.execute(delete(AuditEntry).where(AuditEntry.at < now - audit_older_than)).rowcount
        return {"changes": changes, "audit": audit, "bodies": self._drop_settled_bodies()}

    def _drop_settled_bodies(self) -> int:
        # settle() drops the body; this catches rows settled before it did (or by hand).
        dropped = 0
        with self.sessions.begin() as s:
            settled = s.scalars(select(OutboxRow).where(OutboxRow.state.in_(ChangeState.SETTLED)))
            for row in settled:
                if "body" in row.payload:
                    row.payload = _redacted(row.payload)
                    dropped += 1
        return dropped


def _redacted(payload: dict) -> dict:
    # Email bodies (and the terms read from them) stay out of the audit log: it outlives the outbox and
    # is read by admins.
    return {k: v for k, v in payload.items() if k not in ("body", "sentiment")}
