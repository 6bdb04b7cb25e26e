"""Domain types and pure rules: deals, stages, contacts, activities, health, principals (no I/O)."""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

NEXT_STEP_MAX = 255  # Salesforce Opportunity.NextStep is string(255); the strictest CRM sets the rule.


class Rating(str, enum.Enum):
    """A rep's verdict on one email."""

    POSITIVE = "positive"
    NEGATIVE = "negative"


class Direction(str, enum.Enum):
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
class EmailActivity:
    """One email logged on a deal, keyed by its RFC 5322 Message-ID."""

    message_id: str
    subject: str
    direction: Direction
    sent_at: datetime
    rating: Rating | None = None


@dataclass(frozen=True)
class ActivityStats:
    """Counts and last dates of a deal's logged emails, as the CRM aggregates them."""

    inbound_count: int = 0
    outbound_count: int = 0
    last_inbound: datetime | None = None
    last_outbound: datetime | None = None


@dataclass(frozen=True)
class Health:
    """Email-activity health of a deal; `going_dark` when the buyer has been silent too long."""

    inbound_count: int
    outbound_count: int
    last_inbound: datetime | None
    last_outbound: datetime | None
    days_since_inbound: int | None
    going_dark: bool


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
class DealChanges:
    """A rep's edit: fields left None are not touched; an empty next step clears it."""

    version: str
    stage_id: str | None = None
    next_step: str | None = None

    def fields(self) -> set[str]:
        """Public names of the fields this change sets."""
        return set(self.as_dict())

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

    message_id: str
    subject: str
    from_address: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    sent_at: datetime
    direction: Direction
    body: str = ""
    rating: Rating | None = None


def _field_hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:8]


def fingerprint(stage_id: str, next_step: str) -> str:
    """Short per-field hashes of the two fields reps edit, so a version tells what the rep saw of each."""
    return _field_hash(stage_id) + _field_hash(next_step)


def make_version(token: str, stage_id: str, next_step: str) -> str:
    """A deal version: the adapter's own token (revision, LastModifiedDate...) plus the fingerprint."""
    return f"{token}|{fingerprint(stage_id, next_step)}"


def split_version(version: str) -> tuple[str, str]:
    """(adapter token, fingerprint the rep saw); ValueError if `version` was not made by make_version."""
    token, sep, seen = version.rpartition("|")
    if not sep or not token or len(seen) != 16:
        raise ValueError("not a deal version")
    return token, seen


def moved_fields(deal: Deal, version: str) -> set[str]:
    """Which of stage / next step differ from what the rep saw when given `version` (all, if unreadable)."""
    try:
        seen = split_version(version)[1]
    except ValueError:
        return {"stage", "next_step"}
    now = fingerprint(deal.stage.id, deal.next_step)
    return {
        name
        for name, part in (("stage", slice(0, 8)), ("next_step", slice(8, 16)))
        if seen[part] != now[part]
    }


def conflicts_with(deal: Deal, changes: DealChanges) -> bool:
    """A real conflict: a field the rep is changing moved since the version they saw."""
    return changes.version != deal.version and bool(moved_fields(deal, changes.version) & changes.fields())


def direction_of(from_address: str, rep_emails: set[str]) -> Direction:
    """An email is outbound when our side (the rep or a colleague's address given) sent it."""
    return Direction.OUTBOUND if from_address.lower() in rep_emails else Direction.INBOUND


def utcnow() -> datetime:
    """Timezone-aware now; one place so the rest never mixes naive and aware datetimes."""
    return datetime.now(UTC)
