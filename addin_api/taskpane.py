"""The taskpane's start-up configuration and, in demo sign-in mode, the preview page with a fake mailbox."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, abort

from addin_api.auth.devidp import DEMO_REPS, DEMO_TENANT_ID, URL_PREFIX, require_loopback_request
from addin_api.auth.entra import MSA_CONSUMER_TENANT
from addin_api.config import Settings
from addin_api.domain import utcnow
from addin_api.services import people
from addin_api.state import get_state

bp = Blueprint("taskpane", __name__)
# Preview emails: the newest inbound email of these demo deals (its Message-ID, so ratings land on the
# logged activity), with a subject, who else is on copy, and a body.
PREVIEW_EMAILS = [
    (
        "nw-fleet",
        "Re: security questionnaire",
        ["leo"],
        "Hi Riley,\n\nLeo's team has most of the security questionnaire done; two answers need your input. "
        "Can we go through them on Thursday?\n\nNadia",
    ),
    (
        "contoso-clinics",
        "Board feedback on the scheduling pilot",
        [],
        "Riley,\n\nThe board liked the no-show numbers. Julia will book the legal review; I need the "
        "data-protection annex before then.\n\nOmar",
    ),
    (
        "fab-quality",
        "Site visit in Lyon",
        [],
        "Hello Riley,\n\nThe Lyon site visit works for us on the 14th. Tom will join for the afternoon "
        "session.\n\nMaria",
    ),
    (
        "contoso-renewal",
        "Re: renewal terms",
        [],
        "Hi Riley,\n\nApologies for the silence. We love the product, but the budget was reallocated and we "
        "have to put the renewal on hold.\n\nJulia",
    ),
    (
        "tail-crm",
        "Redlines from legal",
        ["sofia"],
        "Riley,\n\nLegal sent their redlines this morning, mostly on liability caps. Sofia is copied for the "
        "rollout plan.\n\nPaul",
    ),
]
NEWSLETTER = {
    "from": ("events@conference.example", "SaaS Summit"),
    "subject": "Early-bird tickets end Friday",
    "body": "Join 3,000 revenue leaders in Lisbon. Early-bird pricing ends this Friday.",
}
PREVIEW_SHELL = (
    "<!doctype html>\n"
    '<html lang="en"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
    '<title>Deal Desk · preview</title><link rel="stylesheet" href="/static/preview.css">\n'
    '<script type="module" src="/static/js/preview.js"></script></head>\n'
    "<body><noscript>The preview needs JavaScript.</noscript></body></html>\n"
)


@bp.get("/taskpane/config.json")
def config():
    """What the taskpane needs before it signs in: sign-in mode, client id, API scope, authority."""
    s = get_state().settings
    body = {
        "mode": "demo" if s.dev_idp else "naa",
        "clientId": s.ms_client_id,
        "apiScope": f"{s.app_id_uri}/{s.ms_required_scope}",
        "authority": naa_authority(s),
        "serverReadsBody": s.graph_reads,
        "nextStepMax": get_state().crm.limits.next_step_max,
        "addsPeople": people.offers_people(get_state().crm),  # false: no "Add to the CRM" buttons
    }
    if s.dev_idp:
        body.update(
            demoTenant=DEMO_TENANT_ID,
            demoTokenUrl=f"{URL_PREFIX}/{DEMO_TENANT_ID}/oauth2/v2.0/token",
            demoReps=[{"email": e, "name": n} for e, n in DEMO_REPS.items()],
        )
    return body, 200, {"Cache-Control": "no-cache"}


def naa_authority(s: Settings) -> str:
    """MSAL's authority: the one allowed tenant, else `organizations` (`common` with personal accounts)."""
    tenants = [t.lower() for t in s.ms_allowed_tenants]
    if len(tenants) == 1 and tenants[0] != "*":
        segment = tenants[0]
    else:
        segment = "common" if MSA_CONSUMER_TENANT in tenants else "organizations"
    return f"{s.ms_authority.rstrip('/')}/{segment}"


@bp.get("/preview")
def preview():
    """A fake Outlook around the real taskpane, for trying the product without Office (demo sign-in only)."""
    _demo_only()
    return Response(PREVIEW_SHELL, mimetype="text/html", headers={"Cache-Control": "no-cache"})


@bp.get("/preview/mailbox.json")
def preview_mailbox():
    """The preview's inbox: recent emails from demo contacts to the demo rep, shaped like Office.js items."""
    _demo_only()
    from addin_api.crm.local.demo_data import REP, demo_dataset

    data = demo_dataset()
    people = {c["key"]: c for c in data["contacts"]}
    deals = {d["key"]: d for d in data["deals"]}
    messages = [
        _preview_message(n, deals[key], people, subject, cc, body)
        for n, (key, subject, cc, body) in enumerate(PREVIEW_EMAILS)
    ]
    messages.append(_newsletter(len(messages), REP, (utcnow() - timedelta(hours=5)).isoformat()))
    messages.sort(key=lambda msg: msg["dateTimeCreated"], reverse=True)
    return {"user": {"emailAddress": REP, "displayName": DEMO_REPS[REP]}, "messages": messages}


def _demo_only() -> None:
    if not get_state().settings.dev_idp:
        abort(404)
    require_loopback_request()


def _preview_message(n: int, deal: dict, people: dict, subject: str, cc: list[str], body: str) -> dict:
    email = next(e for e in deal["emails"] if e["direction"] == "inbound")  # the newest inbound one
    sender = next(c for c in people.values() if c["email"] == email["from"])
    return {
        "itemId": f"AAMkADemo/{n}+{deal['key']}=",
        "subject": subject,
        "from": _address(sender["email"], sender["name"]),
        "to": [_address(email["to"][0], DEMO_REPS.get(email["to"][0], ""))],
        "cc": [_address(people[k]["email"], people[k]["name"]) for k in cc],
        "internetMessageId": email["message_id"],
        "conversationId": f"AAQkADemo-{deal['key']}",
        "dateTimeCreated": email["sent_at"],
        "body": body,
    }


def _newsletter(n: int, rep: str, sent_at: str) -> dict:
    address, name = NEWSLETTER["from"]
    return {
        "itemId": f"AAMkADemo/{n}+newsletter=",
        "subject": NEWSLETTER["subject"],
        "from": _address(address, name),
        "to": [_address(rep, DEMO_REPS[rep])],
        "cc": [],
        "dateTimeCreated": sent_at,
        "body": NEWSLETTER["body"],
        "internetMessageId": "<summit-early-bird@conference.example>",
        "conversationId": "AAQkADemo-newsletter",
    }


def _address(email: str, name: str) -> dict:
    return {"emailAddress": email, "displayName": name}
