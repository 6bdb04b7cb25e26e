"""The write path, request side: validate, record (audit + outbox), try the CRM now, else queue it."""

from __future__ import annotations

import functools
import hashlib
import time
from datetime import datetime

from addin_api.crm.port import CrmAuthError, CrmNotFound, CrmRejected, CrmUnavailable, OneTripWrites
from addin_api.domain import (
    Deal,
    DealChanges,
    EmailLog,
    FieldLimits,
    NewContact,
    NewDeal,
    Principal,
    Rating,
    Sentiment,
    direction_of,
    utcnow,
)
from addin_api.errors import NotFound, Unprocessable
from addin_api.services import people
from addin_api.services.changes import status_of
from addin_api.services.delivery import apply_row, as_recorded, authorize, logged, park, validate
from addin_api.services.ports import ChangeRow
from addin_api.services.write_types import (
    CAPTURED,
    LOG_EMAIL,
    NEEDS_CONNECT,
    REJECTED,
    UPDATE,
    WriteDeps,
    WriteResult,
    audit_before,
    email_payload,
)
from addin_api.signals import service as signals


def update_deal(
    deps: WriteDeps, rep: Principal, deal_id: str, changes: DealChanges, idempotency_key: str | None = None
) -> WriteResult:
    """Change stage and/or next step with the version the rep saw; nothing is lost if the CRM is down."""
    if idempotency_key and (row := deps.outbox.by_idempotency_key(rep.key, idempotency_key)):
        return as_recorded(deps, rep, row)
    _check_shape(changes, deps.crm.limits)
    payload = {"version": changes.version, **changes.as_dict()}
    if _in_one_trip(deps, rep):  # the CRM reads the deal in the write's own round trip
        return _record_and_try(deps, rep, deal_id, UPDATE, payload, idempotency_key)
    deal = _read_for_write(deps, rep, deal_id)
    if isinstance(deal, Deal):
        authorize(rep, deal)
        validate(deal, changes)
    before = audit_before(deal) if isinstance(deal, Deal) else None
    row, created = deps.outbox.record(
        rep, deps.crm.name, deal_id, UPDATE, payload, before, idempotency_key, deps.lease
    )
    return _attempt_now(deps, row, deal) if created else as_recorded(deps, rep, row)


def log_email(
    deps: WriteDeps,
    rep: Principal,
    deal_id: str,
    email: EmailLog,
    idempotency_key: str | None = None,
    captured: bool = False,
) -> WriteResult:
    """Log/rate an email on a deal; the same Message-ID on the same deal stays one activity."""
    payload = email_payload(email, _reading(deps, rep, email)) | ({CAPTURED: True} if captured else {})
    teach = _teach(deps, rep, email)
    return _record_on_deal(deps, rep, deal_id, LOG_EMAIL, payload, idempotency_key, teach=teach)


def add_contact(
    deps: WriteDeps, rep: Principal, person: NewContact, idempotency_key: str | None = None
) -> WriteResult:
    """Add a participant as a contact (their account found or made by domain); never two for one address."""
    people.writer(deps.crm)  # a CRM that takes no people refuses before anything is recorded
    payload = {"contact": people.contact_payload(person)}
    return _record_new(
        deps, rep, people.person_queue(person.email), people.ADD_CONTACT, payload, idempotency_key
    )


def add_stakeholder(
    deps: WriteDeps,
    rep: Principal,
    deal_id: str,
    person: NewContact,
    role: str,
    idempotency_key: str | None = None,
) -> WriteResult:
    """Put a participant (added as a contact if new) on one of the rep's deals with a CRM role."""
    people.writer(deps.crm)
    payload = {"contact": people.contact_payload(person), "role": role}
    check = functools.partial(people.check_role, deps.crm, rep, role)  # judged once the deal is readable
    return _record_on_deal(deps, rep, deal_id, people.ADD_STAKEHOLDER, payload, idempotency_key, check)


def _record_on_deal(
    deps: WriteDeps,
    rep: Principal,
    deal_id: str,
    op: str,
    payload: dict,
    key: str | None,
    check=None,
    teach=None,
) -> WriteResult:
    """Record a change to one deal the rep may edit and try it now; a reused key answers as recorded.

    `check` runs once the deal is readable; `teach` runs in the transaction that records the change.
    """
    if key and (row := deps.outbox.by_idempotency_key(rep.key, key)):
        return as_recorded(deps, rep, row)
    if op == LOG_EMAIL and not payload.get(CAPTURED) and _in_one_trip(deps, rep):
        return _record_and_try(deps, rep, deal_id, op, payload, key, teach)
    deal = _read_for_write(deps, rep, deal_id)
    if isinstance(deal, Deal):
        authorize(rep, deal)
        if check:
            check()
    row, created = deps.outbox.record(rep, deps.crm.name, deal_id, op, payload, None, key, deps.lease, teach)
    return _attempt_now(deps, row, deal) if created else as_recorded(deps, rep, row)


def log_captured_email(deps: WriteDeps, rep: Principal, deal_id: str, email: EmailLog) -> WriteResult | None:
    """Log an email activity capture found, as its mailbox's owner, unless already logged (then None).

    Same path as the pane's log, so an email captured and later rated stays one activity. A None rating
    clears a CRM's rating, so capture never sends one for an email on the deal already, even one the rep
    rates while this log waits in the outbox (checked again when it is delivered).
    """
    if logged(deps, deps.crm.name, deal_id, email.message_id, None):
        return None
    digest = hashlib.sha256(f"{deal_id}\n{email.message_id}".encode()).hexdigest()[:40]
    return log_email(deps, rep, deal_id, email, f"capture:{digest}", captured=True)


def _reading(deps: WriteDeps, rep: Principal, email: EmailLog) -> Sentiment | None:
    """How the email reads for the rep's org, before this rating teaches it (None without text)."""
    if deps.lexicon is None or not email.body.strip():
        return None
    return signals.score(deps.lexicon, rep.org_key, email.body, email.subject)


def _teach(deps: WriteDeps, rep: Principal, email: EmailLog):
    """The rating's lesson for the org, run in the transaction that records it (even if the CRM is down).

    On a CRM that reads and writes in one trip it runs right after the CRM's answer instead (a crash in
    between keeps the rating and loses only this lesson).

    A new rating adds, a changed one replaces, a cleared one (None) removes this rep's vote on this
    email; logging an unrated email never voted changes nothing.
    """
    if deps.lexicon is None:
        return None
    lexicon = deps.lexicon

    def teach(session) -> None:
        signals.learn(
            lexicon, rep.org_key, rep.key, email.message_id, email.body, email.rating, email.subject, session
        )

    return teach


def create_deal(
    deps: WriteDeps, rep: Principal, new: NewDeal, idempotency_key: str | None = None
) -> WriteResult:
    """A deal owned by the rep for a participant's account, with them as its primary stakeholder."""
    people.writer(deps.crm)
    people.check_role(deps.crm, rep, new.role)
    payload = {"deal": people.deal_payload(new)}
    queue = people.person_queue(new.contact.email)
    return _record_new(deps, rep, queue, people.CREATE_DEAL, payload, idempotency_key)


def _record_new(
    deps: WriteDeps, rep: Principal, queue: str, op: str, payload: dict, key: str | None
) -> WriteResult:
    """Record a new-record change on the person's queue and try it now (queued if the CRM is down)."""
    if key and (row := deps.outbox.by_idempotency_key(rep.key, key)):
        return as_recorded(deps, rep, row)
    row, created = deps.outbox.record(rep, deps.crm.name, queue, op, payload, None, key, deps.lease)
    if not created:
        return as_recorded(deps, rep, row)
    if deps.outbox.has_earlier_pending(row):
        deps.outbox.release(row)
        return WriteResult(status_of(row))
    return apply_row(deps, row)


def email_from_message(
    rep: Principal,
    message_id: str,
    subject: str,
    from_address: str,
    to,
    cc,
    sent_at: datetime,
    body: str,
    rating: Rating | None,
    body_max: int,
) -> EmailLog:
    """An EmailLog with direction relative to the rep and the body cut to `body_max` characters.

    A date no email can have is refused here (422), before anything is recorded.
    """
    if problem := EmailLog.sent_at_problem(sent_at, utcnow()):
        raise Unprocessable("The email is not valid.", errors={"json": {"sent_at": [problem]}})
    return EmailLog(
        message_id.strip(),
        _text(subject),
        from_address.lower(),
        tuple(a.lower() for a in to),
        tuple(a.lower() for a in cc),
        sent_at,
        direction_of(from_address, {rep.email.lower()}),
        _text(body)[:body_max],
        rating,
    )


def _text(value: str | None) -> str:
    # NUL never belongs in mail text, and PostgreSQL refuses it in text columns.
    return (value or "").replace("\x00", "")


# --- helpers ---------------------------------------------------------------------------------


def _in_one_trip(deps: WriteDeps, rep: Principal) -> bool:
    """The CRM can read and write in one trip, and no parked change of the rep's must be released first."""
    return isinstance(deps.crm, OneTripWrites) and not deps.outbox.count(rep.key, NEEDS_CONNECT)


def _record_and_try(
    deps: WriteDeps, rep: Principal, deal_id: str, op: str, payload: dict, key: str | None, teach=None
) -> WriteResult:
    """Record the change, then read and write in the CRM's one trip, after older changes to the deal.

    The rating's lesson comes after the CRM's answer, so a rep refused the deal teaches nothing.
    """
    row, created = deps.outbox.record(rep, deps.crm.name, deal_id, op, payload, None, key, deps.lease)
    if not created:
        return as_recorded(deps, rep, row)
    if deps.outbox.has_earlier_pending(row) and not _earlier_settled(deps, row):
        deps.outbox.release(row)
        result = WriteResult(status_of(row))
    else:
        result = apply_row(deps, row, asked_now=True)
    if teach and result.change.state != REJECTED:  # what the CRM refused teaches nothing
        teach(None)
    return result


def _attempt_now(deps: WriteDeps, row: ChangeRow, deal: Deal | CrmAuthError | None) -> WriteResult:
    rep = Principal(**row.user)
    if isinstance(deal, CrmAuthError):  # kept, but the rep has to reconnect before it can be sent
        return park(deps, rep, row)
    if deal is None:  # CRM unreachable: the drain delivers it
        deps.outbox.release(row)
        return WriteResult(status_of(row))
    if deps.outbox.has_earlier_pending(row):
        if not _earlier_settled(deps, row):  # an older change to this deal goes first (order)
            deps.outbox.release(row)
            return WriteResult(status_of(row))
        deal = None  # the deal moved meanwhile: apply_row reads it again and checks for a conflict
    return apply_row(deps, row, deal)


def _earlier_settled(deps: WriteDeps, row: ChangeRow) -> bool:
    """Wait briefly while older changes to the deal are in flight; True once none is pending."""
    deadline = time.monotonic() + deps.in_flight_wait
    while deps.outbox.has_earlier_pending(row):
        if not deps.outbox.earlier_in_flight(row) or time.monotonic() >= deadline:
            return False
        time.sleep(0.02)  # another request is mid-write: its outcome is a few CRM calls away
    return True


def _read_for_write(deps: WriteDeps, rep: Principal, deal_id: str) -> Deal | CrmAuthError | None:
    """The deal now; None if the CRM is unreachable, the CrmAuthError if it refused the rep's session.

    In both cases the change is still recorded: the drain validates it once the CRM answers. A read
    that works proves the rep's session works again, so their parked changes are released first
    (they are older, and go first).
    """
    try:
        deal = deps.crm.get_deal(rep, deal_id)
    except CrmNotFound:
        raise NotFound(f"No deal {deal_id}.") from None
    except CrmUnavailable:
        return None
    except CrmAuthError as exc:
        return exc
    except CrmRejected as exc:
        raise Unprocessable(exc.message, reason="crm_rejected") from None
    if deps.outbox.count(rep.key, NEEDS_CONNECT):
        deps.outbox.release_parked(rep.key)
    return deal


def _check_shape(changes: DealChanges, limits: FieldLimits) -> None:
    errors = {name: [problem] for name, problem in limits.problems(changes.next_step).items()}
    if changes.stage_id is None and changes.next_step is None:
        errors["stage"] = ["Give a stage, a next step, or both."]
    if errors:
        raise Unprocessable("The change is not valid.", errors={"json": errors})
