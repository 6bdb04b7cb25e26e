"""Logging an email on an opportunity: once per (opportunity, Message-ID); a repeat only updates the rating.

Docs: Salesforce Object Reference v67.0, "EmailMessage" (custom fields stay updatable once sent).
"""

from __future__ import annotations

import re
from urllib.parse import quote

from addin_api import domain as d
from addin_api.crm.port import CrmNotFound
from addin_api.crm.salesforce import mapping as m
from addin_api.crm.salesforce.client import (
    DuplicateValue,
    SalesforceClient,
    SfSession,
    raise_for_composite,
    sub,
)
from addin_api.crm.salesforce.queries import Queries, literal

RECORD_ID = re.compile(r"^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$")
MAX_RELATIONS = 24  # one /composite holds 25 subrequests: the EmailMessage and up to 24 relations


def log_email(client: SalesforceClient, q: Queries, s: SfSession, deal_id: str, email: d.EmailLog) -> str:
    """Insert the EmailMessage and its relations (or a Task) in one all-or-none /composite; returns its id."""
    deal_id = m.id18(deal_id)  # the message key is built on the 18-character id
    results = client.composite(s, log_subs(q, deal_id, email, deal_id, MAX_RELATIONS), all_or_none=True)
    try:
        raise_for_composite(results)
    except DuplicateValue as duplicate:
        return rate_existing(client, q, s, deal_id, email, duplicate)
    return results[0].body["id"]


def log_subs(q: Queries, deal_id: str, email: d.EmailLog, related: str, relations: int) -> list[dict]:
    """Subrequests inserting the email on `related` (an id, or a reference to one) with its relations."""
    if q.email_mode == "task":
        fields = m.task_fields(deal_id, email, q.rating_field, q.key_field) | {"WhatId": related}
        return [sub("POST", "/sobjects/Task", "item", fields)]
    fields = m.email_message_fields(deal_id, email, q.rating_field, q.key_field) | {"RelatedToId": related}
    subs = [sub("POST", "/sobjects/EmailMessage", "item", fields)]
    return subs + [
        sub("POST", "/sobjects/EmailMessageRelation", f"rel{i}", {**row, "EmailMessageId": "@{item.id}"})
        for i, row in enumerate(m.relation_rows(email, relations))
    ]


def rerate_subs(q: Queries, record_id: str, rating: d.Rating | None, deal_ref: str) -> list[dict]:
    """Find the logged email on the deal `deal_ref` names (a reference), then PATCH its rating only."""
    obj, parent = ("Task", "WhatId") if q.email_mode == "task" else ("EmailMessage", "RelatedToId")
    # The reference stays unescaped in the query string: Salesforce resolves it before running the query.
    soql = quote(f"SELECT Id FROM {obj} WHERE Id = {literal(record_id)} AND {parent} = '", safe="")
    find = sub("GET", f"/query?q={soql}@{{{deal_ref}}}%27", "mail")
    patch = sub("PATCH", f"/sobjects/{obj}/@{{mail.records[0].Id}}", "rate", {q.rating_field: _value(rating)})
    return [find, patch]


def rate_existing(
    client: SalesforceClient,
    q: Queries,
    s: SfSession,
    deal_id: str,
    email: d.EmailLog,
    duplicate: DuplicateValue,
) -> str:
    """Already logged here: find it by message key, update only its rating (a sent email allows no more)."""
    obj = "Task" if q.email_mode == "task" else "EmailMessage"
    try:
        found = client.api(
            s,
            "GET",
            f"/sobjects/{obj}/{q.key_field}/{m.message_key(deal_id, email.message_id)}",
            params={"fields": "Id"},
        )
    except CrmNotFound:
        raise duplicate from None  # the duplicate was on another unique field
    rate(client, q, s, found["Id"], email.rating)
    return found["Id"]


def rate(client: SalesforceClient, q: Queries, s: SfSession, record_id: str, rating: d.Rating | None) -> None:
    """Set the rating of a logged EmailMessage (or Task): one PATCH; CrmNotFound if it was deleted."""
    if not RECORD_ID.match(record_id):
        raise CrmNotFound(f"no record {record_id}")
    obj = "Task" if q.email_mode == "task" else "EmailMessage"
    client.api(s, "PATCH", f"/sobjects/{obj}/{record_id}", json={q.rating_field: _value(rating)})


def _value(rating: d.Rating | None) -> str | None:
    return rating.value if rating else None
