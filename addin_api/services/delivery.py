"""Delivery: apply a recorded change to the CRM and settle, reschedule, park or reject it."""

from __future__ import annotations

import dataclasses
import logging
from datetime import date
from decimal import Decimal

from addin_api.crm.port import (
    CrmAuthError,
    CrmConflict,
    CrmError,
    CrmNotFound,
    CrmRejected,
    CrmUnavailable,
    OneTripWrites,
    RatesLoggedEmail,
)
from addin_api.domain import (
    TRACKED,
    Contact,
    Deal,
    DealChanges,
    EmailLog,
    Principal,
    conflicts_with,
    movement,
    tracked_values,
    utcnow,
)
from addin_api.errors import Forbidden, NotFound, Unprocessable
from addin_api.services import people
from addin_api.services.changes import ChangeStatus, public_deal_id, status_of
from addin_api.services.ports import ChangeRow
from addin_api.services.views import DealView, view_of, with_sentiment
from addin_api.services.write_types import (
    CAPTURED,
    CONFLICT,
    DONE,
    GAVE_UP,
    NEEDS_CONNECT,
    ONE_TRIP_OPS,
    PARKED,
    QUEUED,
    REJECTED,
    RETRYING,
    UPDATE,
    WriteDeps,
    WriteResult,
    audit_before,
    email_from_payload,
    sentiment_from_payload,
)

log = logging.getLogger(__name__)


class _LeaseLost(Exception):
    """Our lease on the change expired and another worker took it: record nothing."""


def apply_row(
    deps: WriteDeps, row: ChangeRow, deal: Deal | None = None, asked_now: bool = False
) -> WriteResult:
    """Try one recorded change (whose lease we hold) against the CRM and settle, reschedule or park it.

    `asked_now`: the rep's own request, whose deal nobody read first; a refusal by our rules (no such
    deal, not theirs to edit, not one of its stages) is settled and raised, the answer it got before.
    """
    rep = Principal(**row.user)
    try:
        new = _deliver(deps, rep, row, deal)
    except _LeaseLost:
        return _lost(deps, rep, row)
    except CrmAuthError:  # only this rep's session: park the change, hold nobody else's
        return park(deps, rep, row)
    except CrmUnavailable as exc:
        return _reschedule(deps, rep, row, exc.message or "The CRM is not reachable.")
    except CrmConflict as exc:
        conflict = _conflict(row.payload, exc.theirs)
        result = {"conflict": conflict, "reason": "The deal changed in the CRM."}
        if not deps.outbox.settle(row, CONFLICT, result):
            return _lost(deps, rep, row)
        return WriteResult(_settled(row, CONFLICT, conflict=conflict), theirs=_view(deps, rep, exc.theirs))
    except (CrmRejected, CrmNotFound, Forbidden, Unprocessable) as exc:
        refused = _reject(deps, rep, row, _reason(exc))
        if (
            asked_now
            and not refused.lease_lost
            and row.op in ONE_TRIP_OPS
            and not isinstance(exc, CrmRejected)
        ):
            raise NotFound(f"No deal {row.deal_id}.") if isinstance(exc, CrmNotFound) else exc from None
        return refused
    except Exception as exc:  # a bug or an unexpected failure must not wedge the deal's queue
        log.error("applying change %s failed unexpectedly (%s)", row.id, type(exc).__name__)
        return _unexpected(deps, rep, row)
    # Only a change delivered by the drain may be built upon by a later save from the same view: the
    # rep never received its new version. A change saved in the request answered with it.
    chain = (
        {"base_version": row.payload.get("version"), "new_version": new.version}
        if row.op == UPDATE and new and deal is None and not asked_now
        else {"deal_id": new.id}
        if row.op == people.CREATE_DEAL
        else None
    )
    if not deps.outbox.settle(row, DONE, chain):
        return _lost(deps, rep, row)
    done = dataclasses.replace(_settled(row, DONE), deal_id=public_deal_id(row, chain or {}))
    if isinstance(new, Contact):
        return WriteResult(done, contact=new)
    return WriteResult(done, _view(deps, rep, new) if new else None)


def _deliver(deps: WriteDeps, rep: Principal, row: ChangeRow, deal: Deal | None) -> Deal | Contact | None:
    if row.op == UPDATE:
        return _apply_update(deps, rep, row, deal)
    if row.op in people.OPS:
        if row.op == people.ADD_STAKEHOLDER and deal is None:  # drained later: the rep's right, checked now
            authorize(rep, deps.crm.get_deal(rep, row.deal_id))
        _hold(deps, row)
        return people.deliver(deps.crm, rep, row)
    email = email_from_payload(row.payload)
    if deal is None and not row.payload.get(CAPTURED) and isinstance(deps.crm, OneTripWrites):
        _hold(deps, row)
        record_id = _log_in_one_trip(deps, deps.crm, rep, row, email)
        if deps.ledger is not None:
            deps.ledger.upsert(
                rep, row.crm, row.deal_id, email, sentiment_from_payload(row.payload), record_id
            )
        return None
    if deal is None:  # drained later: the rep's right to the deal is checked against the CRM now
        deal = deps.crm.get_deal(rep, row.deal_id)
        authorize(rep, deal)
    if row.payload.get(CAPTURED) and logged(deps, row.crm, row.deal_id, email.message_id, deal):
        return None  # logged (perhaps rated) meanwhile: capture's unrated copy must not clear the rating
    _hold(deps, row)
    record_id = _log_or_rate(deps, rep, row.deal_id, email)
    if deps.ledger is not None:  # our ledger shows what reached the CRM, never a refused rating
        deps.ledger.upsert(rep, row.crm, row.deal_id, email, sentiment_from_payload(row.payload), record_id)
    return None


def _log_or_rate(deps: WriteDeps, rep: Principal, deal_id: str, email: EmailLog) -> str:
    """Log the email; one the CRM already holds under an id our ledger knows only has its rating set."""
    crm = deps.crm
    known = None
    if deps.ledger is not None and isinstance(crm, RatesLoggedEmail):
        known = deps.ledger.record_id(crm.name, deal_id, email.message_id)
    if known:
        try:
            crm.rate_logged(rep, deal_id, known, email.rating)
            return known
        except CrmNotFound:  # deleted in the CRM since: log it again
            pass
    return crm.log_email(rep, deal_id, email)


def _log_in_one_trip(
    deps: WriteDeps, crm: OneTripWrites, rep: Principal, row: ChangeRow, email: EmailLog
) -> str:
    """Rights read and log (or re-rate, if our ledger knows the CRM's id) in one round trip."""
    known = deps.ledger.record_id(deps.crm.name, row.deal_id, email.message_id) if deps.ledger else None
    done = crm.log_email_checked(rep, row.deal_id, email, known)
    authorize(rep, done.before)
    if done.record_id:
        return done.record_id
    _hold(deps, row)  # held back, yet ours to log: a second write, so the lease is renewed first
    return deps.crm.log_email(rep, row.deal_id, email)


def _apply_update(deps: WriteDeps, rep: Principal, row: ChangeRow, deal: Deal | None) -> Deal:
    p, crm = row.payload, deps.crm
    changes = DealChanges(
        deps.outbox.rebased_version(row) or p["version"], p.get("stage"), p.get("next_step")
    )
    if deal is None and isinstance(crm, OneTripWrites):
        _hold(deps, row)
        done = crm.update_deal_checked(rep, row.deal_id, changes)
        authorize(rep, done.before)
        validate(done.before, changes)
        deps.outbox.note_before(row, audit_before(done.before))
        if done.after is not None:
            return done.after
        deal = done.before  # held back although our rules allow it (say, a record type not cached yet)
    if deal is None:  # drained later: re-check rights and stage against the deal as it is now
        deal = crm.get_deal(rep, row.deal_id)
        authorize(rep, deal)
        validate(deal, changes)
    if changes.applied_to(deal):  # e.g. a retry after the CRM took the write but the answer was lost
        return deal
    # Checked here too, on the deal just read: a CRM's own precondition may be coarser (Salesforce's
    # If-Unmodified-Since has one-second resolution), and a write we can refuse must not be sent.
    if conflicts_with(deal, changes):
        raise CrmConflict(deal)
    _hold(deps, row)
    return crm.update_deal(rep, row.deal_id, changes)


def _hold(deps: WriteDeps, row: ChangeRow) -> None:
    """Renew our lease right before a CRM write; a delivery that lost it must not write at all."""
    if not deps.outbox.renew(row, deps.lease):
        raise _LeaseLost


def _view(deps: WriteDeps, rep: Principal, deal: Deal) -> DealView:
    """The deal as reads show it: its activities' sentiment from our ledger, health and edit rights."""
    return view_of(with_sentiment([deal], deps.crm.name, deps.ledger)[0], rep, deps.going_dark_days)


def logged(deps: WriteDeps, crm: str, deal_id: str, message_id: str, deal: Deal | None) -> bool:
    """True if the email is on the deal already: in our ledger, or among the deal's activities."""
    if deal is not None and any(a.message_id == message_id for a in deal.activities):
        return True
    return deps.ledger is not None and bool(deps.ledger.entries(crm, [deal_id], message_id))


def authorize(rep: Principal, deal: Deal) -> None:
    """Refuse (403) a rep who may not edit the deal."""
    if not deal.editable_by(rep.email):
        raise Forbidden(f"Only {deal.owner_name or deal.owner_email} and the deal team can change this deal.")


def validate(deal: Deal, changes: DealChanges) -> None:
    """Refuse (422) a stage the deal does not have."""
    if changes.stage_id is not None and deal.stage_by_id(changes.stage_id) is None:
        valid = ", ".join(s.id for s in deal.stages)
        raise Unprocessable(
            "The change is not valid.",
            errors={
                "json": {"stage": [f"'{changes.stage_id}' is not a stage of this deal. Valid: {valid}."]}
            },
        )


def _conflict(payload: dict, theirs: Deal) -> dict:
    """Everything that moved since the rep's version: edited fields as yours/theirs, the rest as also_changed.

    An edited field the version cannot tell about counts as moved (all edited, if the CRM gave no reason);
    `also_changed` lists only fields known to have moved.
    """
    edited = [f for f in TRACKED if f in payload]
    seen = movement(theirs, payload["version"])
    clashing = [f for f in edited if f in seen.maybe] or edited
    now = {f: _json_value(v) for f, v in tracked_values(theirs).items()}
    return {
        "fields": {f: {"yours": payload[f], "theirs": now[f]} for f in clashing},
        "also_changed": {f: {"theirs": now[f]} for f in TRACKED if f in seen.moved and f not in edited},
        "changed_by": theirs.changed_by,
        "changed_at": theirs.changed_at.isoformat() if theirs.changed_at else None,
        "current_version": theirs.version,
    }


def _json_value(value):
    # As DealSchema serves them: amounts as decimal strings, dates in ISO 8601.
    if isinstance(value, Decimal):
        return str(value)
    return value.isoformat() if isinstance(value, date) else value


def park(deps: WriteDeps, rep: Principal, row: ChangeRow) -> WriteResult:
    """Keep the change until the rep reconnects their CRM."""
    if not deps.outbox.park(row, PARKED):
        return _lost(deps, rep, row)
    return WriteResult(_settled(row, NEEDS_CONNECT, reason=PARKED, attempted=False))


def _reschedule(deps: WriteDeps, rep: Principal, row: ChangeRow, error: str) -> WriteResult:
    if row.attempts + 1 >= deps.max_attempts:
        return _reject(deps, rep, row, f"Gave up after {row.attempts + 1} attempts: {error}")
    if not deps.outbox.retry_later(row, error, deps.backoff(row.attempts)):
        return _lost(deps, rep, row)
    return WriteResult(_settled(row, QUEUED, reason=error))


def _unexpected(deps: WriteDeps, rep: Principal, row: ChangeRow) -> WriteResult:
    """A few quick retries (a passing glitch), then a human refusal: a bug never holds the deal for hours."""
    if row.failures + 1 >= deps.max_unexpected:
        return _reject(deps, rep, row, GAVE_UP)
    if not deps.outbox.retry_later(row, RETRYING, deps.backoff(row.failures), unexpected=True):
        return _lost(deps, rep, row)
    return WriteResult(_settled(row, QUEUED, reason=RETRYING))


def _reject(deps: WriteDeps, rep: Principal, row: ChangeRow, reason: str) -> WriteResult:
    if not deps.outbox.settle(row, REJECTED, {"reason": reason}):
        return _lost(deps, rep, row)
    return WriteResult(_settled(row, REJECTED, reason=reason))


def _lost(deps: WriteDeps, rep: Principal, row: ChangeRow) -> WriteResult:
    """We lost the lease: report what whoever took the row recorded, never our own outcome."""
    log.warning("lease on change %s was lost; its outcome is left to the worker that took it", row.id)
    recorded = as_recorded(deps, rep, deps.outbox.get(row.id) or row)
    return dataclasses.replace(recorded, lease_lost=True)


def as_recorded(deps: WriteDeps, rep: Principal, row: ChangeRow) -> WriteResult:
    """The change as recorded, with the deal as it is now if it was saved (replays, lost leases)."""
    status = status_of(row)
    if status.state not in (DONE, CONFLICT):
        return WriteResult(status)
    try:
        view = _view(deps, rep, deps.crm.get_deal(rep, row.deal_id))
    except CrmError:
        view = None
    return WriteResult(
        status, view if status.state == DONE else None, view if status.state == CONFLICT else None
    )


def _settled(
    row: ChangeRow,
    state: str,
    reason: str | None = None,
    conflict: dict | None = None,
    attempted: bool = True,
) -> ChangeStatus:
    attempts = row.attempts + (1 if attempted else 0)
    deal_id = public_deal_id(row, {})
    return ChangeStatus(row.id, state, row.op, deal_id, attempts, utcnow(), reason, conflict)


def _reason(exc: Exception) -> str:
    # Only our own errors and the CRM's words (CrmError.message) reach a rep, never str() of anything else.
    return getattr(exc, "message", "") or "The CRM refused the change."
