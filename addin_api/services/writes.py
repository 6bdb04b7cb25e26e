"""The write path: validate, record (audit + outbox), try the CRM now, else leave it for the drain."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import logging
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from addin_api.crm.port import (
    CrmAuthError,
    CrmConflict,
    CrmError,
    CrmNotFound,
    CrmPort,
    CrmRejected,
    CrmUnavailable,
    RatesLoggedEmail,
)
from addin_api.domain import (
    TRACKED,
    ChangeState,
    Contact,
    Deal,
    DealChanges,
    Direction,
    EmailLog,
    FieldLimits,
    NewContact,
    NewDeal,
    Principal,
    Rating,
    Sentiment,
    conflicts_with,
    direction_of,
    movement,
    tracked_values,
    utcnow,
)
from addin_api.errors import Forbidden, NotFound, Unprocessable
from addin_api.services import people
from addin_api.services.changes import ChangeStatus, public_deal_id, status_of
from addin_api.services.ports import ChangeRow, LedgerPort, LexiconPort, OutboxPort
from addin_api.services.views import DealView, view_of, with_sentiment
from addin_api.signals import service as signals

UPDATE, LOG_EMAIL = "update_deal", "log_email"
CAPTURED = "captured"  # payload flag of capture's logs: they never touch an email already logged
QUEUED, NEEDS_CONNECT = ChangeState.QUEUED, ChangeState.NEEDS_CONNECT
DONE, CONFLICT, REJECTED = ChangeState.DONE, ChangeState.CONFLICT, ChangeState.REJECTED
# Reasons reps read: never an exception's text (it may carry SQL or a stack's details).
PARKED = "Waiting for you to reconnect your CRM; it is sent as soon as you do."
RETRYING = "We could not deliver this change yet; it will be tried again."
GAVE_UP = "We could not deliver this change. Please try again or contact your admin."
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WriteDeps:
    """What the write path needs: the CRM, the outbox, and the retry policy."""

    crm: CrmPort
    outbox: OutboxPort
    going_dark_days: int = 21
    backoff_seconds: float = 5.0
    backoff_max_seconds: float = 900.0
    max_attempts: int = 50  # CRM unreachable: retried with backoff this many times
    # Whoever applies a change holds its lease this long, renewed right before each CRM write: it must
    # outlive the slowest single CRM write (a few calls, each bounded by the HTTP timeout).
    lease: timedelta = timedelta(seconds=60)
    ledger: LedgerPort | None = None  # our record of delivered email logs and ratings
    max_unexpected: int = 3  # unexpected failures (bugs) before a change is given up
    # How long a request waits for an older change to the same deal that is being applied right now
    # (typically a colleague's simultaneous save), so the rep hears "conflict" or "saved" at once.
    in_flight_wait: float = 5.0
    lexicon: LexiconPort | None = None  # each org's learned terms: ratings teach it, logged emails are read

    def backoff(self, attempts: int) -> timedelta:
        """Exponential delay before the next try, capped."""
        return timedelta(seconds=min(self.backoff_max_seconds, self.backoff_seconds * 2**attempts))


@dataclass(frozen=True)
class WriteResult:
    """The change's status and, when known, the deal as it now stands."""

    change: ChangeStatus
    deal: DealView | None = None
    theirs: DealView | None = field(default=None)
    contact: Contact | None = None  # the contact an add_contact made or found
    lease_lost: bool = False  # someone else applied the change meanwhile: `change` is what they recorded

    @property
    def crm_auth(self) -> bool:
        """Parked because the CRM refused the rep's session: they must reconnect."""
        return self.change.state == NEEDS_CONNECT


class _LeaseLost(Exception):
    """Our lease on the change expired and another worker took it: record nothing."""


def update_deal(
    deps: WriteDeps, rep: Principal, deal_id: str, changes: DealChanges, idempotency_key: str | None = None
) -> WriteResult:
    """Change stage and/or next step with the version the rep saw; nothing is lost if the CRM is down."""
    if idempotency_key and (row := deps.outbox.by_idempotency_key(rep.key, idempotency_key)):
        return _as_recorded(deps, rep, row)
    _check_shape(changes, deps.crm.limits)
    deal = _read_for_write(deps, rep, deal_id)
    if isinstance(deal, Deal):
        _authorize(rep, deal)
        _validate(deal, changes)
    before = {"stage": deal.stage.id, "next_step": deal.next_step} if isinstance(deal, Deal) else None
    payload = {"version": changes.version, **changes.as_dict()}
    row, created = deps.outbox.record(
        rep, deps.crm.name, deal_id, UPDATE, payload, before, idempotency_key, deps.lease
    )
    return _attempt_now(deps, row, deal) if created else _as_recorded(deps, rep, row)


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
        return _as_recorded(deps, rep, row)
    deal = _read_for_write(deps, rep, deal_id)
    if isinstance(deal, Deal):
        _authorize(rep, deal)
        if check:
            check()
    row, created = deps.outbox.record(rep, deps.crm.name, deal_id, op, payload, None, key, deps.lease, teach)
    return _attempt_now(deps, row, deal) if created else _as_recorded(deps, rep, row)


def log_captured_email(deps: WriteDeps, rep: Principal, deal_id: str, email: EmailLog) -> WriteResult | None:
    """Log an email activity capture found, as its mailbox's owner, unless already logged (then None).

    Same path as the pane's log, so an email captured and later rated stays one activity. A None rating
    clears a CRM's rating, so capture never sends one for an email on the deal already, even one the rep
    rates while this log waits in the outbox (checked again when it is delivered).
    """
    if _logged(deps, deps.crm.name, deal_id, email.message_id, None):
        return None
    digest = hashlib.sha256(f"{deal_id}\n{email.message_id}".encode()).hexdigest()[:40]
    return log_email(deps, rep, deal_id, email, f"capture:{digest}", captured=True)


def _logged(deps: WriteDeps, crm: str, deal_id: str, message_id: str, deal: Deal | None) -> bool:
    """True if the email is on the deal already: in our ledger, or among the deal's activities."""
    if deal is not None and any(a.message_id == message_id for a in deal.activities):
        return True
    return deps.ledger is not None and bool(deps.ledger.entries(crm, [deal_id], message_id))


def _reading(deps: WriteDeps, rep: Principal, email: EmailLog) -> Sentiment | None:
    """How the email reads for the rep's org, before this rating teaches it (None without text)."""
    if deps.lexicon is None or not email.body.strip():
        return None
    return signals.score(deps.lexicon, rep.org_key, email.body, email.subject)


def _teach(deps: WriteDeps, rep: Principal, email: EmailLog):
    """The rating's lesson for the org, run in the transaction that records it (even if the CRM is down).

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
        return _as_recorded(deps, rep, row)
    row, created = deps.outbox.record(rep, deps.crm.name, queue, op, payload, None, key, deps.lease)
    if not created:
        return _as_recorded(deps, rep, row)
    if deps.outbox.has_earlier_pending(row):
        deps.outbox.release(row)
        return WriteResult(status_of(row))
    return apply_row(deps, row)


def apply_row(deps: WriteDeps, row: ChangeRow, deal: Deal | None = None) -> WriteResult:
    """Try one recorded change (whose lease we hold) against the CRM and settle, reschedule or park it."""
    rep = Principal(**row.user)
    try:
        new = _deliver(deps, rep, row, deal)
    except _LeaseLost:
        return _lost(deps, rep, row)
    except CrmAuthError:  # only this rep's session: park the change, hold nobody else's
        return _park(deps, rep, row)
    except CrmUnavailable as exc:
        return _reschedule(deps, rep, row, exc.message or "The CRM is not reachable.")
    except CrmConflict as exc:
        conflict = _conflict(row.payload, exc.theirs)
        result = {"conflict": conflict, "reason": "The deal changed in the CRM."}
        if not deps.outbox.settle(row, CONFLICT, result):
            return _lost(deps, rep, row)
        return WriteResult(_settled(row, CONFLICT, conflict=conflict), theirs=_view(deps, rep, exc.theirs))
    except (CrmRejected, CrmNotFound, Forbidden, Unprocessable) as exc:
        return _reject(deps, rep, row, _reason(exc))
    except Exception as exc:  # a bug or an unexpected failure must not wedge the deal's queue
        log.error("applying change %s failed unexpectedly (%s)", row.id, type(exc).__name__)
        return _unexpected(deps, rep, row)
    # Only a change delivered by the drain may be built upon by a later save from the same view: the
    # rep never received its new version. A change saved in the request answered with it.
    chain = (
        {"base_version": row.payload.get("version"), "new_version": new.version}
        if row.op == UPDATE and new and deal is None
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
            _authorize(rep, deps.crm.get_deal(rep, row.deal_id))
        _hold(deps, row)
        return people.deliver(deps.crm, rep, row)
    if deal is None:  # drained later: the rep's right to the deal is checked against the CRM now
        deal = deps.crm.get_deal(rep, row.deal_id)
        _authorize(rep, deal)
    email = email_from_payload(row.payload)
    if row.payload.get(CAPTURED) and _logged(deps, row.crm, row.deal_id, email.message_id, deal):
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


def _view(deps: WriteDeps, rep: Principal, deal: Deal) -> DealView:
    """The deal as reads show it: its activities' sentiment from our ledger, health and edit rights."""
    return view_of(with_sentiment([deal], deps.crm.name, deps.ledger)[0], rep, deps.going_dark_days)


def _hold(deps: WriteDeps, row: ChangeRow) -> None:
    """Renew our lease right before a CRM write; a delivery that lost it must not write at all."""
    if not deps.outbox.renew(row, deps.lease):
        raise _LeaseLost


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


def email_payload(email: EmailLog, sentiment: Sentiment | None = None) -> dict:
    """JSON form of an email log kept in the outbox until delivered (with how it read, if it was read)."""
    out = {
        "message_id": email.message_id,
        "subject": email.subject,
        "from": email.from_address,
        "to": list(email.to),
        "cc": list(email.cc),
        "sent_at": email.sent_at.isoformat(),
        "direction": email.direction.value,
        "body": email.body,
        "rating": email.rating.value if email.rating else None,
    }
    if sentiment is not None:
        terms = [[t, w] for t, w in sentiment.terms]
        out["sentiment"] = {"score": sentiment.score, "label": sentiment.label, "terms": terms}
    return out


def email_from_payload(p: dict) -> EmailLog:
    """Inverse of email_payload."""
    return EmailLog(
        p["message_id"],
        p["subject"],
        p["from"],
        tuple(p["to"]),
        tuple(p["cc"]),
        datetime.fromisoformat(p["sent_at"]),
        Direction(p["direction"]),
        p.get("body", ""),
        Rating(p["rating"]) if p.get("rating") else None,
    )


def sentiment_from_payload(p: dict) -> Sentiment | None:
    """The reading an email log carried, if its text was read when it was logged."""
    read = p.get("sentiment")
    if not read:
        return None
    return Sentiment(float(read["score"]), read["label"], tuple((str(t), float(w)) for t, w in read["terms"]))


# --- helpers ---------------------------------------------------------------------------------


def _attempt_now(deps: WriteDeps, row: ChangeRow, deal: Deal | CrmAuthError | None) -> WriteResult:
    rep = Principal(**row.user)
    if isinstance(deal, CrmAuthError):  # kept, but the rep has to reconnect before it can be sent
        return _park(deps, rep, row)
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


def _apply_update(deps: WriteDeps, rep: Principal, row: ChangeRow, deal: Deal | None) -> Deal:
    p, crm = row.payload, deps.crm
    changes = DealChanges(
        deps.outbox.rebased_version(row) or p["version"], p.get("stage"), p.get("next_step")
    )
    if deal is None:  # drained later: re-check rights and stage against the deal as it is now
        deal = crm.get_deal(rep, row.deal_id)
        _authorize(rep, deal)
        _validate(deal, changes)
    if _already_applied(deal, changes):  # e.g. a retry after the CRM took the write but the answer was lost
        return deal
    # Checked here too, on the deal just read: a CRM's own precondition may be coarser (Salesforce's
    # If-Unmodified-Since has one-second resolution), and a write we can refuse must not be sent.
    if conflicts_with(deal, changes):
        raise CrmConflict(deal)
    _hold(deps, row)
    return crm.update_deal(rep, row.deal_id, changes)


def _already_applied(deal: Deal, changes: DealChanges) -> bool:
    return (changes.stage_id is None or deal.stage.id == changes.stage_id) and (
        changes.next_step is None or deal.next_step == changes.next_step
    )


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


def _authorize(rep: Principal, deal: Deal) -> None:
    if not deal.editable_by(rep.email):
        raise Forbidden(f"Only {deal.owner_name or deal.owner_email} and the deal team can change this deal.")


def _validate(deal: Deal, changes: DealChanges) -> None:
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


def _park(deps: WriteDeps, rep: Principal, row: ChangeRow) -> WriteResult:
    if not deps.outbox.park(row, PARKED):
        return _lost(deps, rep, row)
    return WriteResult(_settled(row, NEEDS_CONNECT, reason=PARKED, attempted=False))


def _json_value(value):
    # As DealSchema serves them: amounts as decimal strings, dates in ISO 8601.
    if isinstance(value, Decimal):
        return str(value)
    return value.isoformat() if isinstance(value, date) else value


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
    recorded = _as_recorded(deps, rep, deps.outbox.get(row.id) or row)
    return dataclasses.replace(recorded, lease_lost=True)


def _as_recorded(deps: WriteDeps, rep: Principal, row: ChangeRow) -> WriteResult:
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
