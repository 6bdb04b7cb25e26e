"""Connect a rep's CRM account once (the adapter's OAuth code flow with PKCE), in an Office dialog window.

The taskpane asks the API for a short-lived, single-use signed link, opens it in a dialog; the dialog goes
to the CRM's consent page and back to our callback, which stores the rep's refresh token (encrypted) only if
the CRM says the rep's own user signed in: a link forwarded to a colleague connects nobody.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict
from html import escape

from flask import Blueprint, Response, redirect, request, session
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from addin_api.crm.oauth import pkce_pair
from addin_api.crm.port import CrmConnector, CrmError, CrmWrongAccount
from addin_api.domain import Principal
from addin_api.errors import NotFound
from addin_api.security import OFFICE_JS_HOST, taskpane_policy
from addin_api.services import changes
from addin_api.state import get_state

bp = Blueprint("crm_connect", __name__, url_prefix="/crm/connect")
TICKET_MAX_AGE = 600  # seconds between the rep clicking "Connect" and the dialog opening
CALLBACK = "/crm/connect/callback"


def connect_link(rep: Principal) -> str:
    """A signed link that starts the connection for this rep; 404 when the CRM needs no per-rep connection."""
    st = get_state()
    if _connector() is None:
        raise NotFound("This CRM is connected by your administrator; there is nothing to connect.")
    ticket = _serializer().dumps({"rep": asdict(rep), "id": secrets.token_urlsafe(18)})
    return f"{st.settings.public_base_url.rstrip('/')}/crm/connect/start?ticket={ticket}"


@bp.get("/start")
def start():
    """Check and spend the ticket, keep the PKCE verifier in the (signed, HttpOnly) session, go to the CRM."""
    connector = _connector()
    try:
        ticket = _serializer().loads(request.args.get("ticket", ""), max_age=TICKET_MAX_AGE)
        rep, ticket_id = ticket["rep"], str(ticket["id"])
    except SignatureExpired:
        return _page("This link has expired. Close this window and click Connect again.", 400)
    except (BadSignature, TypeError, KeyError):
        return _page("This link is not valid. Close this window and click Connect again.", 400)
    if connector is None:
        return _page("This CRM is connected by your administrator.", 404)
    if not connector.use_ticket(ticket_id, TICKET_MAX_AGE):  # single-use: a copied link starts one flow
        return _page("This link was already used. Close this window and click Connect again.", 400)
    verifier, challenge = pkce_pair()
    nonce = secrets.token_urlsafe(24)
    session["crm_connect"] = {"nonce": nonce, "verifier": verifier, "rep": rep}
    return redirect(connector.authorize_url(_callback_url(), nonce, challenge))


@bp.get("/callback")
def callback():
    """Trade the code for tokens for the rep who started the flow; tell the taskpane through the dialog."""
    pending = session.pop("crm_connect", None)
    connector, crm = _connector(), get_state().crm.display_name
    if request.args.get("error"):
        return _page(f"{crm} said: {request.args.get('error_description') or request.args['error']}.", 400)
    if not pending or not secrets.compare_digest(pending["nonce"], request.args.get("state", "")):
        return _page("This sign-in did not start here. Close this window and click Connect again.", 400)
    if connector is None:  # ADDIN_CRM changed between the start and the callback
        return _page("This CRM is connected by your administrator.", 404)
    rep = Principal(**pending["rep"])
    try:
        connector.exchange_code(rep, request.args.get("code", ""), _callback_url(), pending["verifier"])
    except CrmWrongAccount as exc:
        return _page(
            f"You signed in to {crm} as {exc.signed_in or 'another user'}, but this connection is "
            f"for {exc.expected}. Nothing was saved. Sign out of {crm} in this window, click "
            f"Connect again and sign in as {exc.expected}.",
            403,
        )
    except CrmError as exc:
        return _page(f"{crm} refused the connection: {exc.message or 'please try again'}.", 502)
    changes.release_parked(get_state().outbox, rep)  # the drain delivers them now, in their old order
    return _page(f"Your {crm} account is connected. You can close this window.", 200, message="connected")


def _connector() -> CrmConnector | None:
    return get_state().crm.connector


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_state().settings.secret_key, salt="crm-connect")


def _callback_url() -> str:
    return get_state().settings.public_base_url.rstrip("/") + CALLBACK


def _page(text: str, status: int, message: str = "failed") -> Response:
    # Inside an Office dialog, messageParent lets the taskpane react; in a plain browser it is skipped.
    script = (
        "window.Office&&Office.onReady(function(){try{Office.context.ui.messageParent("
        f"'{message}')}}catch(e){{}}}});"
    )
    style = "body{font:15px system-ui;margin:2rem}"
    body = (
        f"<!doctype html><meta charset=utf-8><title>Connect {escape(get_state().crm.display_name)}</title>"
        f"<script src='{OFFICE_JS_HOST}/lib/1/hosted/office.js'></script><script>{script}</script>"
        f"<style>{style}</style><p>{escape(text)}</p>"
    )
    csp = taskpane_policy(get_state().settings.ms_authority, scripts=(script,), styles=(style,))
    return Response(body, status=status, mimetype="text/html", headers={"Content-Security-Policy": csp})
