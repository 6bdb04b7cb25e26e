"""Domain types and pure rules: deals, stages, contacts, activities, health, principals (no I/O)."""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache


class ChangeState:
    """Where a recorded change stands; `needs_connect` waits for the rep to reconnect their CRM."""

    QUEUED = "queued"  # deliverable: tried now or by the drain, in order per deal
    NEEDS_CONNECT = "needs_connect"  # parked: the CRM refused this rep's session; costs no attempts
    DONE = "done"
    CONFLICT = "conflict"
    REJECTED = "rejected"
    SETTLED = (DONE, CONFLICT, REJECTED)


class Rating(enum.StrEnum):
    """A rep's verdict on one email."""

    POSITIVE = "positive"
    NEGATIVE = "negative"


class Direction(enum.StrEnum):
    """Whether an email came from the buyer (inbound) or from our side (outbound)."""

    INBOUND = "inbound"
    OUTBOUND = "outbound"


@dataclass(frozen=True)
class Principal:
    """The signed-in rep: mailbox address plus a stable id from the identity provider."""

    email: str
    subject: str  # Entra: oid; Google: sub
    tenant: str  # Entra: tid; Google: "google"
    name: str = ""
    org: str = ""  # Entra: tid; Google: the Workspace `hd` domain ("" on rows stored before it existed)

    @property
    def key(self) -> str:
        """Stable per-user key for idempotency and audit (oid+tid, never the mutable address)."""
        return f"{self.tenant}:{self.subject}"

    @property
    def org_key(self) -> str:
        """The organisation whose learned signals this rep shares (never another customer's)."""
        return f"{self.tenant}:{self.org}" if self.org and self.org != self.tenant else self.tenant


@dataclass(frozen=True)
class Stage:
    """One value of the CRM's stage picklist; `id` is what the CRM stores, `label` what reps read."""

    id: str
    label: str
    is_closed: bool = False
    is_won: bool = False
    probability: int | None = None


@dataclass(frozen=True)
class Contact:
    """A person in the CRM, matched by email address."""

    id: str
    email: str
    name: str
    title: str = ""
    account_name: str = ""


@dataclass(frozen=True)
class Stakeholder:
    """A contact's role on a deal (economic buyer, champion, ...)."""

    contact_id: str
    name: str
    email: str
    role: str = ""
    is_primary: bool = False


@dataclass(frozen=True)
class BusinessCase:
    """Why the buyer would buy; fields a CRM does not hold stay None and are not shown."""

    problem: str | None = None
    root_cause: str | None = None
    why_it_matters: str | None = None
    budget: str | None = None
    compelling_event: str | None = None
    risks: str | None = None


@dataclass(frozen=True)
class Sentiment:
    """How the buyer's own words read: score in [-1, 1], label, and the terms that moved it most."""

    score: float
    label: str  # positive | negative | neutral
    terms: tuple[tuple[str, float], ...]  # (term, signed weight), strongest first


@dataclass(frozen=True)
class EmailActivity:
    """One email logged on a deal, keyed by its RFC 5322 Message-ID; `sentiment` when its text was read."""

    message_id: str
    subject: str
    direction: Direction
    sent_at: datetime
    rating: Rating | None = None
    sentiment: Sentiment | None = None


@dataclass(frozen=True)
class ActivityStats:
    """Counts and last dates of a deal's logged emails, as the CRM aggregates them."""

    inbound_count: int = 0
    outbound_count: int = 0
    last_inbound: datetime | None = None
    last_outbound: datetime | None = None

    def merged_with(self, captured: CapturedActivity | None) -> ActivityStats:
        """These stats topped up by what capture saw in the mailboxes: the larger count, the newer date."""
        if captured is None:
            return self
        return ActivityStats(
            max(self.inbound_count, captured.inbound_count),
            max(self.outbound_count, captured.outbound_count),
            _newer(self.last_inbound, captured.last_inbound),
            _newer(self.last_outbound, captured.last_outbound),
        )


def _newer(a: datetime | None, b: datetime | None) -> datetime | None:
    return max((x for x in (a, b) if x is not None), default=None)


@dataclass(frozen=True)
class CapturedActivity:
    """What activity capture counted for one deal in the reps' mailboxes (headers only, never bodies)."""

    inbound_count: int = 0
    outbound_count: int = 0
    last_inbound: datetime | None = None
    last_outbound: datetime | None = None
    meetings_held: int = 0
    next_meeting: datetime | None = None


@dataclass(frozen=True)
class CaptureStatus:
    """How complete a deal's health is: `mailbox` once capture has run, else only the logged emails."""

    MAILBOX = "mailbox"
    LOGGED_ONLY = "logged_only"

    source: str = LOGGED_ONLY
    last_pass_at: datetime | None = None

    def describe(self, now: datetime) -> str:
        """'Captured from the mailbox, last pass 3 min ago' or 'Only logged emails', for reps."""
        if self.source != self.MAILBOX or self.last_pass_at is None:
            return "Only logged emails"
        minutes = max(0, int((now - self.last_pass_at).total_seconds() // 60))
        ago = (
            "just now" if minutes < 1 else f"{minutes} min ago" if minutes < 120 else f"{minutes // 60} h ago"
        )
        return f"Captured from the mailbox, last pass {ago}"


@dataclass(frozen=True)
class DealWarning:
    """An early warning on a deal in words a rep reads, with the email terms that triggered it."""

    GOING_DARK = "going_dark"
    NEGATIVE_SENTIMENT = "negative_sentiment"

    code: str
    message: str
    terms: tuple[str, ...] = ()


@dataclass(frozen=True)
class TrendPoint:
    """The sentiment of one inbound email, for the deal's trend."""

    sent_at: datetime
    score: float
    label: str


@dataclass(frozen=True)
class Health:
    """Email-activity health of a deal: counts, 'going dark', warnings and the buyer's sentiment trend."""

    inbound_count: int
    outbound_count: int
    last_inbound: datetime | None
    last_outbound: datetime | None
    days_since_inbound: int | None
    going_dark: bool
    warnings: tuple[DealWarning, ...] = ()
    sentiment_trend: tuple[TrendPoint, ...] = ()  # oldest first
    meetings_held: int = 0
    next_meeting: datetime | None = None
    capture: CaptureStatus = field(default_factory=CaptureStatus)


@dataclass(frozen=True)
class Deal:
    """A deal as the add-ins show it; `version` is opaque and only its adapter reads it."""

    id: str
    name: str
    account_name: str
    stage: Stage
    stages: tuple[Stage, ...]
    amount: Decimal | None
    currency: str
    close_date: date | None
    next_step: str
    owner_email: str
    owner_name: str
    probability: int | None
    version: str
    url: str = ""
    stakeholders: tuple[Stakeholder, ...] = ()
    team_emails: tuple[str, ...] = ()
    business_case: BusinessCase = field(default_factory=BusinessCase)
    activities: tuple[EmailActivity, ...] = ()
    stats: ActivityStats = field(default_factory=ActivityStats)
    changed_by: str | None = None  # who last changed the deal, where the CRM says (name or email)
    changed_at: datetime | None = None  # when, where the CRM says

    @property
    def is_closed(self) -> bool:
        """True once the deal sits in a closed (won or lost) stage."""
        return self.stage.is_closed

    def stage_by_id(self, stage_id: str) -> Stage | None:
        """The valid stage with this id, or None if the deal's pipeline has no such stage."""
        return next((s for s in self.stages if s.id == stage_id), None)

    def editable_by(self, email: str) -> bool:
        """Owners and deal-team members may edit; everyone else only reads."""
        email = email.lower()
        return email == self.owner_email.lower() or email in {e.lower() for e in self.team_emails}


@dataclass(frozen=True)
class ContactDeals:
    """A matched contact and the open deals they are on."""

    contact: Contact
    deals: tuple[Deal, ...]


@dataclass(frozen=True)
class FieldLimits:
    """What one CRM accepts in the fields reps write; each adapter configures its own."""

    next_step_max: int = 255

    def problems(self, next_step: str | None) -> dict[str, str]:
        """Field name → why the value cannot be saved in this CRM (empty when everything fits)."""
        if next_step is not None and len(next_step) > self.next_step_max:
            return {"next_step": f"At most {self.next_step_max} characters ({len(next_step)} given)."}
        return {}


@dataclass(frozen=True)
class DealMatch:
    """Why a deal is shown for an email: a participant is its stakeholder, or works at its account."""

    STAKEHOLDER, ACCOUNT = "stakeholder", "account"

    reason: str
    contact: str  # the participant's address
    role: str | None = None


def match_of(deal: Deal, contact: Contact) -> DealMatch:
    """A stakeholder match (with the role) when the contact is on the deal, else a same-account match."""
    email = contact.email.lower()
    role = next(
        (s for s in deal.stakeholders if s.email.lower() == email or s.contact_id == contact.id), None
    )
    if role is not None:
        return DealMatch(DealMatch.STAKEHOLDER, email, role.role or None)
    return DealMatch(DealMatch.ACCOUNT, email)


@dataclass(frozen=True)
class NewContact:
    """A person to add to the CRM from an email: address, display name and company."""

    email: str
    name: str
    company: str = ""
    title: str = ""

    @property
    def domain(self) -> str:
        """The address's domain, lower-cased: how an account is found for the person."""
        return self.email.rpartition("@")[2].strip().lower()

    def first_last(self) -> tuple[str, str]:
        """(first name, last name); a CRM needs the last name, so a one-word name is the last name."""
        first, _, last = self.name.strip().rpartition(" ")
        return first.strip(), (last or self.email.partition("@")[0])[:80]

    def company_or_domain(self) -> str:
        """The company as given, else one guessed from the domain."""
        return self.company.strip() or company_from_domain(self.domain)


def company_from_domain(domain: str) -> str:
    """'northwind.example' → 'Northwind', 'mail.acme-corp.com' → 'Acme Corp' (a prefill, not a fact)."""
    labels = [p for p in domain.lower().split(".") if p]
    core = labels[-2] if len(labels) >= 2 else (labels[0] if labels else "")
    return " ".join(w.capitalize() for w in core.replace("_", "-").split("-") if w)


def name_from_address(email: str) -> str:
    """'nadia.patel@x' → 'Nadia Patel': a prefill when the email client gives no display name."""
    local = email.partition("@")[0].split("+")[0]
    return " ".join(w.capitalize() for w in local.replace("_", ".").replace("-", ".").split(".") if w)


@dataclass(frozen=True)
class NewDeal:
    """A deal a rep creates for a person's account, with the person as its first stakeholder."""

    name: str
    stage_id: str
    close_date: date
    contact: NewContact
    amount: Decimal | None = None
    role: str = ""


@dataclass(frozen=True)
class CrmOptions:
    """What the CRM accepts for new records: stakeholder roles, stages of a new deal, its currency."""

    roles: tuple[str, ...]
    stages: tuple[Stage, ...]
    currency: str


@dataclass(frozen=True)
class DealChanges:
    """A rep's edit: fields left None are not touched; an empty next step clears it."""

    version: str
    stage_id: str | None = None
    next_step: str | None = None

    def fields(self) -> set[str]:
        """Public names of the fields this change sets."""
        return set(self.as_dict())

    def applied_to(self, deal: Deal) -> bool:
        """The deal holds every value this change sets already (say, a retry after a lost answer)."""
        return (self.stage_id is None or deal.stage.id == self.stage_id) and (
            self.next_step is None or deal.next_step == self.next_step
        )

    def as_dict(self) -> dict:
        """The changed fields only, by public name."""
        out = {}
        if self.stage_id is not None:
            out["stage"] = self.stage_id
        if self.next_step is not None:
            out["next_step"] = self.next_step
        return out


@dataclass(frozen=True)
class EmailLog:
    """An email a rep logs or rates; the body is plain text already capped by the service."""

    # Every CRM stores sent dates, and some databases cannot take year 1 or 9999 with an offset: a date
    # outside this window is a broken Date header or a client bug, never a real email.
    EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
    FUTURE_SLACK = timedelta(days=1)  # clocks of sending servers drift; a day covers every time zone

    message_id: str
    subject: str
    from_address: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    sent_at: datetime
    direction: Direction
    body: str = ""
    rating: Rating | None = None

    @classmethod
    def sent_at_problem(cls, sent_at: datetime, now: datetime) -> str | None:
        """Why `sent_at` cannot be a real email's date (None when it is plausible)."""
        if sent_at.tzinfo is None:
            return "Give the date with its time zone."
        try:
            utc = sent_at.astimezone(UTC)
        except OverflowError:  # year 1 with a positive offset (or 9999 with a negative one)
            return "This date is outside the range an email can have."
        if utc < cls.EARLIEST:
            return f"An email cannot be sent before {cls.EARLIEST.date().isoformat()}."
        if utc > now + cls.FUTURE_SLACK:
            return "An email cannot be sent more than a day in the future."
        return None

    @classmethod
    def plausible_sent_at(cls, claimed: datetime | None, received: datetime) -> tuple[datetime, str | None]:
        """The claimed date if plausible, else the received time with a note saying why it was replaced."""
        problem = "no date" if claimed is None else cls.sent_at_problem(claimed, received)
        if problem is None:
            return claimed.astimezone(UTC), None
        return received, f"The email's date was unusable ({problem}); the time it was received is used."


TRACKED = ("stage", "next_step", "amount", "close_date")  # fields a version fingerprints, in this order
_PART = 8  # hex characters per field in a fingerprint
_OLD_TRACKED = TRACKED[:2]  # versions issued before amount and close date were fingerprinted


def tracked_values(deal: Deal) -> dict:
    """The deal's value of each tracked field, by public name (stage by id)."""
    return {
        "stage": deal.stage.id,
        "next_step": deal.next_step,
        "amount": deal.amount,
        "close_date": deal.close_date,
    }


@lru_cache(maxsize=4096)  # a page of deals repeats the same stages, steps and dates
def _field_hash(value) -> str:
    if isinstance(value, Decimal):
        value = format(value.normalize(), "f")  # 120000.0 and 120000.00 are the same amount
    elif isinstance(value, date):
        value = value.isoformat()
    return hashlib.sha256(("" if value is None else str(value)).encode()).hexdigest()[:_PART]


def fingerprint(stage_id: str, next_step: str, amount: Decimal | None, close_date: date | None) -> str:
    """Short per-field hashes of the tracked fields, so a version tells which of them moved since."""
    return "".join(_field_hash(v) for v in (stage_id, next_step, amount, close_date))


def make_version(
    token: str, stage_id: str, next_step: str, amount: Decimal | None, close_date: date | None
) -> str:
    """A deal version: the adapter's own token (revision, LastModifiedDate...) plus the fingerprint."""
    return f"{token}|{fingerprint(stage_id, next_step, amount, close_date)}"


def split_version(version: str) -> tuple[str, str]:
    """(adapter token, fingerprint the rep saw); ValueError if `version` was not made by make_version.

    Versions issued before amount and close date were tracked (two fields) still parse.
    """
    token, sep, seen = version.rpartition("|")
    if not sep or not token or len(seen) not in (_PART * len(_OLD_TRACKED), _PART * len(TRACKED)):
        raise ValueError("not a deal version")
    return token, seen


@dataclass(frozen=True)
class Movement:
    """Which tracked fields moved since a version, and which the version cannot tell about."""

    moved: frozenset[str]
    unknown: frozenset[str] = frozenset()

    @property
    def maybe(self) -> frozenset[str]:
        """Moved or possibly moved: what a conflict check must treat as moved."""
        return self.moved | self.unknown


def movement(deal: Deal, version: str) -> Movement:
    """What moved since the rep was given `version`; an unreadable version tells nothing (all unknown)."""
    try:
        seen = split_version(version)[1]
    except ValueError:
        return Movement(frozenset(), frozenset(TRACKED))
    now = fingerprint(*tracked_values(deal).values())
    known = TRACKED[: len(seen) // _PART]
    moved = {
        f
        for i, f in enumerate(known)
        if seen[i * _PART : (i + 1) * _PART] != now[i * _PART : (i + 1) * _PART]
    }
    return Movement(frozenset(moved), frozenset(TRACKED) - frozenset(known))


def moved_fields(deal: Deal, version: str) -> set[str]:
    """Tracked fields that moved, or may have, since the version the rep saw (all, if unreadable)."""
    return set(movement(deal, version).maybe)


def conflicts_with(deal: Deal, changes: DealChanges) -> bool:
    """A real conflict: a field the rep is changing moved since the version they saw."""
    return changes.version != deal.version and bool(moved_fields(deal, changes.version) & changes.fields())


def direction_of(from_address: str, rep_emails: set[str]) -> Direction:
    """An email is outbound when our side (the rep or a colleague's address given) sent it."""
    return Direction.OUTBOUND if from_address.lower() in rep_emails else Direction.INBOUND


def utcnow() -> datetime:
    """Timezone-aware now; one place so the rest never mixes naive and aware datetimes."""
    return datetime.now(UTC)
