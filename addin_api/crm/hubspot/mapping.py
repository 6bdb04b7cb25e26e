"""HubSpot objects (string property values) → domain types."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from addin_api import domain as d

DEAL_PROPERTIES = (
    "dealname",
    "dealstage",
    "pipeline",
    "hs_next_step",
    "amount",
    "deal_currency_code",
    "closedate",
    "hubspot_owner_id",
    "hs_all_collaborator_owner_ids",
    "hs_lastmodifieddate",
    "hs_updated_by_user_id",
)
# Deal-level activity roll-ups HubSpot maintains itself: the sidebar's health without reading emails.
# notes_last_contacted / num_contacted_notes ("Last Contacted", "Number of times contacted") count every
# logged outreach (call, meeting, sales email), not only emails; the reply dates are the latest buyer reply
# HubSpot saw to a logged email. HubSpot keeps no count of replies on a deal.
ROLLUP_PROPERTIES = (
    "notes_last_contacted",
    "num_contacted_notes",
    "hs_sales_email_last_replied",
    "hs_latest_sales_email_reply_date",
)
CONTACT_PROPERTIES = ("email", "firstname", "lastname", "jobtitle", "company")
EMAIL_PROPERTIES = ("hs_timestamp", "hs_email_subject", "hs_email_direction")
INBOUND = "INCOMING_EMAIL"  # hs_email_direction of a buyer's email; ours are EMAIL
PRIMARY_LABEL = "Primary"  # the deal-contact association label marking the primary contact
HIDDEN_STAGES = {"INTERNAL_ONLY", "READ_ONLY"}  # writePermissions a rep cannot move a deal into


@dataclass(frozen=True)
class Owner:
    """A HubSpot owner: the user a deal is assigned to."""

    id: str
    user_id: str
    email: str
    name: str


@dataclass(frozen=True)
class Names:
    """Custom property names from the settings."""

    rating: str
    message_id: str
    changed_by: str
    business_case: dict[str, str]


def to_stage(raw: dict) -> d.Stage:
    """A pipeline stage; probability is "0.0"–"1.0" in metadata."""
    meta = raw.get("metadata") or {}
    probability = _decimal(meta.get("probability"))
    closed = str(meta.get("isClosed", "")).lower() == "true"
    percent = int(probability * 100) if probability is not None else None
    return d.Stage(raw["id"], raw.get("label", raw["id"]), closed, closed and percent == 100, percent)


def pipeline_stages(pipeline: dict) -> tuple[d.Stage, ...]:
    """The stages a rep may choose, in display order: archived and read-only ones left out."""
    stages = sorted(pipeline.get("stages", []), key=lambda s: s.get("displayOrder", 0))
    return tuple(
        to_stage(s)
        for s in stages
        if not s.get("archived") and s.get("writePermissions") not in HIDDEN_STAGES
    )


def to_contact(raw: dict) -> d.Contact:
    """A contact by its properties."""
    p = raw.get("properties") or {}
    name = " ".join(x for x in (p.get("firstname"), p.get("lastname")) if x)
    return d.Contact(
        raw["id"], (p.get("email") or "").lower(), name, p.get("jobtitle") or "", p.get("company") or ""
    )


def to_activity(raw: dict, names: Names) -> d.EmailActivity | None:
    """A logged email, if it carries a Message-ID (ours always do)."""
    p = raw.get("properties") or {}
    message_id = p.get(names.message_id)
    if not message_id:
        return None
    direction = d.Direction.INBOUND if p.get("hs_email_direction") == INBOUND else d.Direction.OUTBOUND
    rating = p.get(names.rating)
    return d.EmailActivity(
        message_id,
        p.get("hs_email_subject") or "",
        direction,
        parse_time(p.get("hs_timestamp")) or datetime(1970, 1, 1, tzinfo=UTC),
        d.Rating(rating) if rating in {r.value for r in d.Rating} else None,
    )


def stats_of(activities: list[d.EmailActivity]) -> d.ActivityStats:
    """Counts and last dates per direction."""
    inbound = [a.sent_at for a in activities if a.direction == d.Direction.INBOUND]
    outbound = [a.sent_at for a in activities if a.direction == d.Direction.OUTBOUND]
    return d.ActivityStats(
        len(inbound), len(outbound), max(inbound, default=None), max(outbound, default=None)
    )


def rollup_stats(props: dict) -> d.ActivityStats:
    """Approximate stats from the deal's roll-ups: a reply date counts as one inbound (at least one)."""
    replies = [
        parse_time(props.get(k)) for k in ("hs_sales_email_last_replied", "hs_latest_sales_email_reply_date")
    ]
    last_inbound = max((r for r in replies if r), default=None)
    try:
        outbound = int(float(props.get("num_contacted_notes") or 0))
    except ValueError:
        outbound = 0
    return d.ActivityStats(
        1 if last_inbound else 0, outbound, last_inbound, parse_time(props.get("notes_last_contacted"))
    )


def parse_time(raw: str | None) -> datetime | None:
    """HubSpot datetimes: ISO 8601 with Z, or epoch milliseconds."""
    if not raw:
        return None
    if raw.isdigit():
        return datetime.fromtimestamp(int(raw) / 1000, UTC)
    return datetime.fromisoformat(raw.replace("Z", "+00:00")).astimezone(UTC)


def parse_date(raw: str | None) -> date | None:
    """closedate is a datetime at midnight UTC."""
    moment = parse_time(raw)
    return moment.date() if moment else None


def _decimal(raw) -> Decimal | None:
    try:
        return Decimal(str(raw)) if raw not in (None, "") else None
    except InvalidOperation:
        return None


def amount_of(props: dict) -> Decimal | None:
    """The deal amount (a string), as a Decimal."""
    return _decimal(props.get("amount"))
