"""Non-API routes: health probes, the taskpane's static files, and the embedded CRM's deal page."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, request, send_from_directory
from sqlalchemy import text

from addin_api.state import get_state

bp = Blueprint("web", __name__)
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"  # served from a checkout (see README)
NODE_MODULES = STATIC_DIR.parent / "node_modules"
ICONS_DIR = STATIC_DIR.parent / "manifest" / "icons"  # kept with the manifest templates that name them
VENDOR = {"msal-browser.min.js": "@azure/msal-browser/lib/msal-browser.min.js"}


@bp.get("/healthz")
def healthz():
    """Liveness: the process answers."""
    return {"status": "ok"}


@bp.get("/readyz")
def readyz():
    """Readiness: the database answers (the CRM is not probed: its outages are absorbed by the outbox)."""
    try:
        with get_state().engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok", "crm": get_state().crm.name}


@bp.get("/vendor/msal/<name>")
def vendor(name: str):
    """Browser libraries installed by npm at setup time (never committed)."""
    if name not in VENDOR:
        abort(404)
    path = NODE_MODULES / VENDOR[name]
    if not path.is_file():
        abort(404, description="Run `npm ci` to install the browser libraries.")
    return send_from_directory(path.parent, path.name, max_age=3600)


@bp.get("/static/icons/<name>")
def icon(name: str):
    """The add-in's icons, at the URLs the manifests have always used (more specific than /static/<path>)."""
    return send_from_directory(ICONS_DIR, name, max_age=3600)


@bp.get("/taskpane.html")
def taskpane():
    """The Outlook taskpane page."""
    return send_from_directory(STATIC_DIR, "taskpane.html", max_age=0)


@bp.get("/crm/deals/<deal_id>")
def local_deal_page(deal_id: str):
    """The embedded CRM's read-only page for a deal, reachable only through a signed deep link."""
    state = get_state()
    if state.crm.name != "local" or not (deal_id.isascii() and deal_id.isdigit()):
        abort(404)
    from addin_api.crm.local.pages import deal_page, link_ok

    if not link_ok(state.settings.secret_key, int(deal_id), request.args.get("t", "")):
        abort(404)  # not 403: without a valid link the page does not exist for you
    html = deal_page(state.engine, int(deal_id))
    if html is None:
        abort(404)
    return Response(html, mimetype="text/html")


_INFO_PAGES = {
    "support": (
        "Support",
        "Deal Desk shows the CRM deals of the people on the email you are reading and lets you "
        "update the stage and next step and rate the email. If something looks wrong, contact your CRM "
        "administrator; they can see every change you made in the audit log.",
    ),
    "privacy": (
        "Privacy",
        "Deal Desk reads the open email's participants, subject and date to find deals. The "
        "email body is read only when you rate or log the email, is stored as plain text on the deal in "
        "your CRM, and is never written to logs.",
    ),
    "terms": (
        "Terms of use",
        "Deal Desk is provided to you by your organisation; your organisation's terms for "
        "its CRM apply to the data you view and change here.",
    ),
}


@bp.get("/<any(support, privacy, terms):page>")
def info_page(page: str):
    """Support, privacy and terms pages the manifests link to."""
    title, text = _INFO_PAGES[page]
    return Response(
        f"<!doctype html><meta charset=utf-8><title>Deal Desk · {title}</title>"
        "<style>body{font:15px system-ui;margin:2rem;max-width:40rem;line-height:1.5}</style>"
        f"<h1>{title}</h1><p>{text}</p>",
        mimetype="text/html",
    )
