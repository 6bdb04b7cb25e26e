"""Salesforce records ↔ domain types: deals, stages, contacts, activities, and the adapter's write bodies."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from email.utils import format_datetime

from addin_api import domain as d

RECENT_ACTIVITIES = 10
_SF_DATETIME = "%Y-%m-%dT%H:%M:%S.%f%z"  # 2026-11-01T09:00:00.000+0000
_HEADER_KEYS = ("Message-ID", "Direction", "Date", "From", "To", "Cc")
_ID_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


@dataclass(frozen=True)
class MapContext:
    """What mapping needs besides the record: org host and currency, and the configured custom fields."""

    instance_url: str
    currency: str
    rating_field: str
    email_mode: str = "email_message"
    business_case_fields: dict = field(default_factory=dict)


def parse_datetime(value: str | None) -> datetime | None:
    """A Salesforce dateTime string as an aware datetime."""
    if not value:
        return None
    return datetime.strptime(value.replace("Z", "+0000"), _SF_DATETIME)


def format_sf_datetime(value: datetime) -> str:
    """An aware datetime in the format Salesforce returns (UTC, milliseconds)."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+0000"


def http_date(sf_datetime: str) -> str:
    """RFC 7231 date for If-Unmodified-Since; milliseconds drop (the header has 1-second resolution)."""
    return format_datetime(parse_datetime(sf_datetime).astimezone(UTC), usegmt=True)


def encode_version(
    last_modified: str, stage_id: str, next_step: str, amount: Decimal | None, close_date: date | None
) -> str:
    """Opaque version: LastModifiedDate (for If-Unmodified-Since) + fingerprint of what the rep saw."""
    return d.make_version(last_modified, stage_id, next_step, amount, close_date)


def decode_version(version: str) -> tuple[str, str]:
    """(LastModifiedDate, fingerprint); ValueError if the version is not one of ours."""
    last_modified, seen = d.split_version(version)
    if parse_datetime(last_modified) is None:
        raise ValueError("not a Salesforce deal version")
    return last_modified, seen


def id18(record_id: str) -> str:
    """The case-insensitive 18-character form of a 15- or 18-character Salesforce id."""
    base = record_id[:15]
    # Each 5-character chunk gives 5 bits, one per upper-case letter (first character = lowest bit).
    suffix = "".join(
        _ID_SUFFIX[sum(1 << i for i, ch in enumerate(base[start : start + 5]) if "A" <= ch <= "Z")]
        for start in (0, 5, 10)
    )
    return base + suffix


def message_key(opportunity_id: str, message_id: str) -> str:
    """SHA-256 hex of "<18-character opportunity id>\n<Message-ID>": one logged email per deal and message."""
    # Hashed: fits a Text(64) unique external-ID field and any URL. The 18-character id, so the same deal
    # gives the same key whether a caller holds the 15- or the 18-character form.
    return hashlib.sha256(f"{id18(opportunity_id)}\n{message_id.strip()}".encode()).hexdigest()


def to_stage(rec: dict) -> d.Stage:
    """An OpportunityStage row as a domain Stage (id = ApiName, label = MasterLabel)."""
    probability = rec.get("DefaultProbability")
    return d.Stage(
        rec["ApiName"],
        rec.get("MasterLabel") or rec["ApiName"],
        bool(rec.get("IsClosed")),
        bool(rec.get("IsWon")),
        int(probability) if probability is not None else None,
    )


def to_contact(rec: dict) -> d.Contact:
    """A Contact row as a domain Contact."""
    return d.Contact(
        rec["Id"],
        (rec.get("Email") or "").lower(),
        rec.get("Name") or "",
        rec.get("Title") or "",
        _related(rec, "Account", "Name"),
    )


def to_deal(rec: dict, stages: tuple[d.Stage, ...], ctx: MapContext) -> d.Deal:
    """An Opportunity row (with its contact roles and emails) as a domain Deal."""
    stage = next((s for s in stages if s.id == rec["StageName"]), None) or d.Stage(
        rec["StageName"], rec["StageName"], bool(rec.get("IsClosed")), bool(rec.get("IsWon"))
    )
    next_step = rec.get("NextStep") or ""
    amount = _money(rec.get("Amount"))
    close_date = date.fromisoformat(rec["CloseDate"]) if rec.get("CloseDate") else None
    activities = _activities(rec, ctx)
    return d.Deal(
        id=rec["Id"],
        name=rec.get("Name") or "",
        account_name=_related(rec, "Account", "Name"),
        stage=stage,
        stages=stages,
        amount=amount,
        currency=rec.get("CurrencyIsoCode") or ctx.currency,
        close_date=close_date,
        next_step=next_step,
        owner_email=_related(rec, "Owner", "Email").lower(),
        owner_name=_related(rec, "Owner", "Name"),
        probability=int(rec["Probability"]) if rec.get("Probability") is not None else None,
        version=encode_version(rec["LastModifiedDate"], stage.id, next_step, amount, close_date),
        url=f"{ctx.instance_url}/lightning/r/Opportunity/{rec['Id']}/view",
        stakeholders=tuple(_stakeholder(r) for r in _children(rec, "OpportunityContactRoles")),
        business_case=d.BusinessCase(**{k: rec.get(v) for k, v in ctx.business_case_fields.items()}),
        activities=tuple(activities[:RECENT_ACTIVITIES]),
        stats=_stats(activities),
        changed_by=_related(rec, "LastModifiedBy", "Name") or None,
        changed_at=parse_datetime(rec.get("LastModifiedDate")),
    )


def _money(value) -> Decimal | None:
    # JSON numbers arrive as floats (120000.0); currency fields have two decimals.
    return Decimal(str(value)).quantize(Decimal("0.01")) if value is not None else None


def _related(rec: dict, relation: str, name: str) -> str:
    parent = rec.get(relation) or {}
    return parent.get(name) or ""


def _children(rec: dict, relation: str) -> list[dict]:
    # Salesforce returns null, not an empty list, for a child subquery without rows.
    return (rec.get(relation) or {}).get("records") or []


def _stakeholder(role: dict) -> d.Stakeholder:
    email = _related(role, "Contact", "Email").lower()
    return d.Stakeholder(
        role["ContactId"],
        _related(role, "Contact", "Name"),
        email,
        role.get("Role") or "",
        bool(role.get("IsPrimary")),
    )


def _activities(rec: dict, ctx: MapContext) -> list[d.EmailActivity]:
    if ctx.email_mode == "task":
        found = (_task_activity(t, ctx.rating_field) for t in _children(rec, "Tasks"))
    else:
        found = (_email_activity(e, ctx.rating_field) for e in _children(rec, "Emails"))
    return sorted((a for a in found if a is not None), key=lambda a: a.sent_at, reverse=True)


def _rating(value) -> d.Rating | None:
    try:
        return d.Rating(value) if value else None
    except ValueError:  # an admin-added picklist value we do not know
        return None


def _email_activity(rec: dict, rating_field: str) -> d.EmailActivity | None:
    sent_at = parse_datetime(rec.get("MessageDate"))
    if sent_at is None:
        return None
    direction = d.Direction.INBOUND if rec.get("Incoming") else d.Direction.OUTBOUND
    return d.EmailActivity(
        rec.get("MessageIdentifier") or rec["Id"],
        rec.get("Subject") or "",
        direction,
        sent_at,
        _rating(rec.get(rating_field)),
    )


def _task_activity(rec: dict, rating_field: str) -> d.EmailActivity | None:
    header = parse_task_header(rec.get("Description") or "")
    if "Message-ID" not in header:
        return None  # a Task someone else logged: no direction we can trust
    sent_at = datetime.fromisoformat(header["Date"]) if header.get("Date") else None
    if sent_at is None and rec.get("ActivityDate"):
        sent_at = datetime.combine(date.fromisoformat(rec["ActivityDate"]), datetime.min.time(), UTC)
    if sent_at is None:
        return None
    direction = d.Direction.OUTBOUND if header.get("Direction") == "outbound" else d.Direction.INBOUND
    return d.EmailActivity(
        header["Message-ID"], rec.get("Subject") or "", direction, sent_at, _rating(rec.get(rating_field))
    )


def _stats(activities: list[d.EmailActivity]) -> d.ActivityStats:
    inbound = [a.sent_at for a in activities if a.direction is d.Direction.INBOUND]
    outbound = [a.sent_at for a in activities if a.direction is d.Direction.OUTBOUND]
    return d.ActivityStats(
        len(inbound), len(outbound), max(inbound, default=None), max(outbound, default=None)
    )


def email_message_fields(deal_id: str, email: d.EmailLog, rating_field: str, key_field: str) -> dict:
    """An EmailMessage insert: sent status, related to the opportunity, with the rating and message key."""
    return {
        "Status": "3",
        "RelatedToId": deal_id,
        "MessageIdentifier": email.message_id,
        "Subject": email.subject,
        "TextBody": email.body,
        "FromAddress": email.from_address,
        "ToAddress": "; ".join(email.to),
        "CcAddress": "; ".join(email.cc),
        "MessageDate": format_sf_datetime(email.sent_at),
        "Incoming": email.direction is d.Direction.INBOUND,
        rating_field: email.rating.value if email.rating else None,
        key_field: message_key(deal_id, email.message_id),
    }


def relation_rows(email: d.EmailLog, limit: int) -> list[dict]:
    """EmailMessageRelation rows (without the EmailMessageId) for sender and recipients, first `limit`."""
    rows, seen = [], set()
    pairs = (
        [(email.from_address, "FromAddress")]
        + [(a, "ToAddress") for a in email.to]
        + [(a, "CcAddress") for a in email.cc]
    )
    for address, kind in pairs:
        if address and (address.lower(), kind) not in seen:
            seen.add((address.lower(), kind))
            rows.append({"RelationAddress": address, "RelationType": kind})
    return rows[:limit]


def task_fields(deal_id: str, email: d.EmailLog, rating_field: str, key_field: str) -> dict:
    """A completed Task of subtype Email on the opportunity, for orgs without Enhanced Email."""
    header = {
        "Message-ID": email.message_id,
        "Direction": email.direction.value,
        "Date": email.sent_at.isoformat(),
        "From": email.from_address,
        "To": "; ".join(email.to),
        "Cc": "; ".join(email.cc),
    }
    description = "\n".join(f"{k}: {header[k]}" for k in _HEADER_KEYS) + "\n\n" + email.body
    return {
        "Subject": email.subject,
        "Description": description,
        "ActivityDate": email.sent_at.date().isoformat(),
        "Status": "Completed",
        "TaskSubtype": "Email",
        "WhatId": deal_id,
        rating_field: email.rating.value if email.rating else None,
        key_field: message_key(deal_id, email.message_id),
    }


def parse_task_header(description: str) -> dict[str, str]:
    """The `Key: value` lines this adapter writes at the top of a Task's Description."""
    header = {}
    for line in description.split("\n\n", 1)[0].splitlines():
        key, sep, value = line.partition(": ")
        if sep and key in _HEADER_KEYS:
            header[key] = value
    return header
