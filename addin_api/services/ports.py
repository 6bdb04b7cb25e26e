"""Ports the services use for their own records: the outbox (+ audit), the email ledger, idempotency.

The SQLAlchemy classes in `addin_api.store` implement them; tests may pass any object of this shape.
The learned lexicon's port is `addin_api.signals.ports.LexiconPort` (re-exported here).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from addin_api.domain import CapturedActivity, EmailLog, Principal, Sentiment
from addin_api.signals.ports import LexiconPort

__all__ = ["ChangeRow", "IdempotencyPort", "LedgerPort", "LexiconPort", "OutboxPort", "WithinRecord"]

WithinRecord = Callable[[Any], None]  # more work for the record's own transaction, given its session


class ChangeRow(Protocol):
    """One recorded change as the services read it."""

    id: str
    crm: str
    deal_id: str
    op: str
    payload: dict
    user: dict
    user_key: str
    state: str
    attempts: int
    failures: int
    lease: str | None
    last_error: str | None
    result: dict | None
    updated_at: datetime


class OutboxPort(Protocol):
    """Changes recorded before the CRM is called, with their audit entries, leases and outcomes."""

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
        within: WithinRecord | None = None,
    ) -> tuple[ChangeRow, bool]:
        """Audit entry + change, leased to the caller; (first row, False) for a reused idempotency key.

        `within(session)` runs in the same transaction (e.g. teaching the org a rating): both are kept
        or neither is.
        """

    def note_before(self, row: ChangeRow, before: dict) -> None:
        """Set the audit entry's before-values to what the change's write found (read in its own trip)."""

    def get(self, change_id: str) -> ChangeRow | None:
        """The change with this public id."""

    def by_idempotency_key(self, user_key: str, key: str) -> ChangeRow | None:
        """The change a user already recorded under this key."""

    def has_earlier_pending(self, row: ChangeRow) -> bool:
        """True if an older deliverable change to the same deal must go first."""

    def earlier_in_flight(self, row: ChangeRow) -> bool:
        """True if every older queued change to the same deal is being applied right now (a live lease)."""

    def due_heads(self, crm: str, limit: int = 100) -> list[ChangeRow]:
        """Per deal, the oldest deliverable change, if due now."""

    def claim(self, row: ChangeRow, lease: timedelta) -> bool:
        """Take a due change for `lease` (compare-and-set); False if someone else has it."""

    def renew(self, row: ChangeRow, lease: timedelta) -> bool:
        """Extend our lease before a CRM write; False when the lease was lost."""

    def settle(self, row: ChangeRow, state: str, result: dict | None = None) -> bool:
        """Record a final outcome while holding the lease; False when the lease was lost."""

    def retry_later(self, row: ChangeRow, error: str, delay: timedelta, *, unexpected: bool = False) -> bool:
        """Count an attempt (and an unexpected failure) and make the change due after `delay`."""

    def park(self, row: ChangeRow, note: str) -> bool:
        """Move the change to needs_connect without counting an attempt (while holding the lease)."""

    def release(self, row: ChangeRow) -> None:
        """Give up our lease: the change is due now."""

    def release_parked(self, user_key: str) -> int:
        """Make every needs_connect change of this user deliverable again; how many."""

    def undelivered_by_crm(self) -> dict[str, int]:
        """CRM name → how many changes recorded for it are still queued or waiting for a connection."""

    def count(self, user_key: str, state: str) -> int:
        """How many of this user's changes are in `state`."""

    def of_user(self, user_key: str, state: str, limit: int) -> list[ChangeRow]:
        """This user's changes in `state`, oldest first."""

    def rebased_version(self, row: ChangeRow) -> str | None:
        """The version after this rep's earlier delivered change made from the same view, if any."""

    def purge(self, settled_older_than: timedelta, audit_older_than: timedelta) -> dict[str, int]:
        """Delete settled changes and audit entries past their retention, drop bodies of settled ones."""


class LedgerPort(Protocol):
    """Our record of the emails each rep logged or rated, per CRM, deal and Message-ID."""

    def upsert(
        self,
        rep: Principal,
        crm: str,
        deal_id: str,
        email: EmailLog,
        sentiment: Sentiment | None = None,
        record_id: str | None = None,
    ) -> None:
        """Record the email's latest rating, its sentiment when its text was read (never the text) and the
        CRM's id of the logged email."""

    def record_id(self, crm: str, deal_id: str, message_id: str) -> str | None:
        """The CRM's id of the email logged on this deal, if known."""

    def entries(self, crm: str, deal_ids: list[str], message_id: str) -> dict:
        """Our record of one email on each of these deals, by deal id."""

    def read(self, crm: str, deal_ids: list[str], message_id: str | None = None) -> Any:
        """In one read: `.sentiments`, deal id → Message-ID → sentiment of every email we logged on these
        deals with a reading, and `.entries`, our record of `message_id` on each deal (by deal id)."""


class IdempotencyPort(Protocol):
    """Replay records of requests that carried an Idempotency-Key."""

    def purge(self, older_than: timedelta) -> int:
        """Delete records older than `older_than`; how many."""


class CaptureReadPort(Protocol):
    """What activity capture counted, as deal health reads it."""

    def captured(self, crm: str, deal_ids: list[str]) -> dict[str, CapturedActivity]:
        """The captured counts of these deals, by deal id (deals capture never saw are absent)."""

    def last_pass_at(self) -> datetime | None:
        """When the last capture pass finished, None if capture never ran."""

    def seen(self, crm: str, deal_ids: list[str]) -> tuple[datetime | None, dict[str, CapturedActivity]]:
        """In one read: when the last pass finished (None: never) and, if one did, these deals' counts."""
