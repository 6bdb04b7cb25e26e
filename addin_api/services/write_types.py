"""What both sides of the write path share: its constants, dependencies, results and payload format."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from addin_api.crm.port import CrmPort
from addin_api.domain import ChangeState, Contact, Deal, Direction, EmailLog, Rating, Sentiment
from addin_api.services.changes import ChangeStatus
from addin_api.services.ports import LedgerPort, LexiconPort, OutboxPort
from addin_api.services.views import DealView

UPDATE, LOG_EMAIL = "update_deal", "log_email"
ONE_TRIP_OPS = (UPDATE, LOG_EMAIL)  # a CRM offering OneTripWrites reads the deal in their write's own trip
CAPTURED = "captured"  # payload flag of capture's logs: they never touch an email already logged
QUEUED, NEEDS_CONNECT = ChangeState.QUEUED, ChangeState.NEEDS_CONNECT
DONE, CONFLICT, REJECTED = ChangeState.DONE, ChangeState.CONFLICT, ChangeState.REJECTED
# Reasons reps read: never an exception's text (it may carry SQL or a stack's details).
PARKED = "Waiting for you to reconnect your CRM; it is sent as soon as you do."
RETRYING = "We could not deliver this change yet; it will be tried again."
GAVE_UP = "We could not deliver this change. Please try again or contact your admin."


def audit_before(deal: Deal) -> dict:
    """What the audit log keeps of a deal before a save: the two fields reps change."""
    return {"stage": deal.stage.id, "next_step": deal.next_step}


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
