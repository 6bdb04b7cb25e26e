"""A minimal read-only HTML page per deal, so the embedded CRM's deep links lead somewhere real."""

from __future__ import annotations

import time
from collections.abc import Callable
from html import escape

from itsdangerous import BadSignature
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from addin_api.crm.local import models as m
from addin_api.signing import timed_serializer

# The page has no sign-in of its own, so a leaked link must stop working soon; the pane gets a fresh
# link every time it shows the deal, so an hour costs the rep nothing.
LINK_MAX_AGE = 3600


def deal_link(base_url: str, secret: str, deal_id: int, clock: Callable[[], float] = time.time) -> str:
    """A signed link to a deal's page that expires after LINK_MAX_AGE: the link is the page's only key."""
    token = timed_serializer(secret, "deal-link", clock).dumps(deal_id)
    return f"{base_url}/crm/deals/{deal_id}?t={token}"


def link_ok(secret: str, deal_id: int, token: str, clock: Callable[[], float] = time.time) -> bool:
    """True if `token` was issued by deal_link for this deal less than LINK_MAX_AGE ago."""
    try:
        return timed_serializer(secret, "deal-link", clock).loads(token, max_age=LINK_MAX_AGE) == deal_id
    except BadSignature:  # includes SignatureExpired
        return False


def deal_page(engine: Engine, deal_id: int) -> str | None:
    """HTML of one deal, or None if it does not exist."""
    with Session(engine) as s:
        deal = s.get(m.Deal, deal_id) if 0 < deal_id <= 2**31 - 1 else None  # beyond PostgreSQL's INTEGER
        if deal is None:
            return None
        rows = [
            ("Account", deal.account.name),
            ("Stage", deal.stage.label),
            ("Amount", f"{deal.amount} {deal.currency}" if deal.amount is not None else "—"),
            ("Close date", str(deal.close_date or "—")),
            ("Next step", deal.next_step or "—"),
            ("Owner", deal.owner_name or deal.owner_email),
        ]
        people = [f"{r.contact.name} ({r.role or 'contact'})" for r in deal.roles]
        emails = [
            f"{a.sent_at:%Y-%m-%d} · {a.direction} · {a.subject}" + (f" · {a.rating}" if a.rating else "")
            for a in deal.activities[:20]
        ]
    body = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
    return (
        f"<!doctype html><meta charset=utf-8><title>{escape(deal.name)}</title>"
        "<style>body{font:14px system-ui;margin:2rem;max-width:48rem}"
        "th{text-align:left;padding-right:1rem}</style>"
        f"<h1>{escape(deal.name)}</h1><table>{body}</table>"
        f"<h2>Stakeholders</h2><ul>{''.join(f'<li>{escape(p)}</li>' for p in people)}</ul>"
        f"<h2>Emails</h2><ul>{''.join(f'<li>{escape(e)}</li>' for e in emails)}</ul>"
    )
