"""Where a rep's recorded changes stand, and releasing the ones parked until the rep reconnects their CRM."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from addin_api.domain import ChangeState, Principal
from addin_api.errors import NotFound
from addin_api.services.ports import ChangeRow, OutboxPort

LISTABLE = (ChangeState.NEEDS_CONNECT, ChangeState.QUEUED)  # states a rep may list their changes by
LIST_LIMIT = 100


@dataclass(frozen=True)
class ChangeStatus:
    """What reached the CRM: `queued`, `needs_connect`, `done`, `conflict` or `rejected` (with the reason)."""

    id: str
    state: str
    op: str
    deal_id: str | None
    attempts: int
    updated_at: datetime
    reason: str | None = None
    conflict: dict | None = None


class StrandedChanges(RuntimeError):
    """Changes recorded for another CRM would never be delivered under this ADDIN_CRM; says what to do."""


def refuse_stranding(outbox: OutboxPort, crm: str) -> None:
    """Raise StrandedChanges when the outbox holds undelivered changes of a CRM other than `crm`.

    A change is delivered only to the CRM it was recorded for, so switching ADDIN_CRM first would
    leave it queued forever.
    """
    others = {name: n for name, n in outbox.undelivered_by_crm().items() if name != crm}
    if not others:
        return
    listing = ", ".join(f"{n} for ADDIN_CRM={name}" for name, n in sorted(others.items()))
    old = min(others)
    raise StrandedChanges(
        f"ADDIN_CRM is {crm} but the outbox still holds undelivered changes ({listing}). Drain them first: "
        f"run `addin-api outbox drain` with ADDIN_CRM={old} until it reports nothing due (changes waiting "
        f"for a rep to connect need that rep to connect), then switch ADDIN_CRM to {crm}."
    )


def status_of(row: ChangeRow) -> ChangeStatus:
    """Public status of a recorded change."""
    result = row.result or {}
    waiting = row.state in (ChangeState.QUEUED, ChangeState.NEEDS_CONNECT)
    return ChangeStatus(
        row.id,
        row.state,
        row.op,
        public_deal_id(row, result),
        row.attempts,
        row.updated_at,
        reason=result.get("reason") or (row.last_error if waiting else None),
        conflict=result.get("conflict"),
    )


def public_deal_id(row: ChangeRow, result: dict) -> str | None:
    """The deal a change is about: a created deal's id once made; none yet for a person's queued records."""
    if result.get("deal_id"):
        return result["deal_id"]
    return None if row.deal_id.startswith("person:") else row.deal_id


def change_status(outbox: OutboxPort, rep: Principal, change_id: str) -> ChangeStatus:
    """A change the rep made; others' changes are invisible (404)."""
    row = outbox.get(change_id)
    if row is None or row.user_key != rep.key:
        raise NotFound(f"No change {change_id}.")
    return status_of(row)


def changes_of(outbox: OutboxPort, rep: Principal, state: str) -> tuple[list[ChangeStatus], int]:
    """The rep's own changes in `state` (oldest first, at most LIST_LIMIT) and how many there are."""
    rows = outbox.of_user(rep.key, state, LIST_LIMIT)
    return [status_of(r) for r in rows], outbox.count(rep.key, state)


def pending_connect(outbox: OutboxPort, rep: Principal) -> int:
    """How many of the rep's changes wait for them to reconnect their CRM."""
    return outbox.count(rep.key, ChangeState.NEEDS_CONNECT)


def release_parked(outbox: OutboxPort, rep: Principal) -> int:
    """The rep's CRM session works again: their parked changes become deliverable, in their old order."""
    return outbox.release_parked(rep.key)
