"""The Gmail add-on's HTTP endpoints: verify the request, call one service, answer with a card or a notice."""

from __future__ import annotations

import hashlib
import logging

from flask import Blueprint, g, jsonify, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from addin_api.api.schemas import NewDealSchema
from addin_api.domain import DealChanges, NewContact, Rating, Sentiment
from addin_api.errors import AddinError, Forbidden, ServiceUnavailable, Unauthorized, error_body
from addin_api.formatting import Formatter
from addin_api.gmail import cards, people_cards, reading_views
from addin_api.gmail import views as cards_for
from addin_api.gmail.gmail_api import GmailClient, MessageRef
from addin_api.gmail.links import Links
from addin_api.gmail.responses import notify, push_card, update_card
from addin_api.gmail.state import CardState, StateSigner, form_value, parameter
from addin_api.gmail.verify import GoogleVerifier
from addin_api.services import changes, people, views, writes
from addin_api.services.write_types import WriteResult
from addin_api.signals import service as signals
from addin_api.state import get_state

bp = Blueprint("gmail", __name__, url_prefix="/gmail")
log = logging.getLogger(__name__)


@bp.before_request
def _verify():
    """Every request proves it is Google's and names the rep before any work; otherwise 401, nothing done."""
    st = get_state()
    verifier = st.lazy("google_verifier", lambda: GoogleVerifier(st.settings, st.http))
    event = request.get_json(silent=True)
    g.event = event if isinstance(event, dict) else {}
    g.rep = verifier.rep_of(request.headers.get("Authorization"), g.event, _called_url())


@bp.post("/homepage")
def homepage():
    """The rep's open deals, warned first (no message is open on the homepage)."""
    st = get_state()
    deals = views.pipeline(st.crm, g.rep, st.settings.going_dark_days, st.ledger, st.capture)
    return push_card(cards_for.pipeline_card(deals, _links()))


@bp.post("/message")
def message():
    """The deals of the open email's participants and how the email reads (its body is read, never kept)."""
    return _email_deals(open_clear=True)


def on_email_deals(state: CardState) -> dict:
    """Every deal of the open email's people (from a deal that opened directly), and who is not in the CRM."""
    return _email_deals(open_clear=False)


def _email_deals(open_clear: bool) -> dict:
    """The context card; on opening, the deal itself when it is clearly it (a single stakeholder match)."""
    st = get_state()
    ref = MessageRef.from_event(g.event)
    try:
        msg = _gmail().full(ref)
    except Forbidden:  # a deployment without the read-only scope still finds the deals from the headers
        msg = _gmail().headers(ref)
    message_id = msg.message_id or None
    contacts = views.email_context(
        st.crm, g.rep, msg.participants, st.settings.going_dark_days, message_id, st.ledger, st.capture
    )
    reading = _reading(msg)
    clear = views.clear_deal(contacts) if open_clear else None
    if clear is not None:
        more = cards.button("All deals for this email", _links().call("on_email_deals"))
        return push_card(cards_for.deal_card(clear, _links(), message_id, more=more, reading=reading))
    # A CRM that takes no people from the inbox gets no "Add to the CRM" buttons that could only fail.
    offers = people.offers_people(st.crm)
    unknown = views.unknown_people(g.rep, msg.participants, contacts) if offers else ()
    card = cards_for.context_card(contacts, msg.subject, message_id, _links(), unknown, reading)
    return push_card(card, from_action=not open_clear)


@bp.post("/action")
def action():
    """Every card callback: `action` names a registered handler; its signed state is checked first."""
    handler = ACTIONS.get(parameter(g.event, "action") or "")
    if handler is None:
        return notify("This button is no longer supported. Close the add-on and open it again.")
    return handler(_signer().load(g.rep, parameter(g.event, "state")))


# --- handlers: one per button; each re-reads or writes through the services, which check the rep's rights ---


def on_pick_deal(state: CardState) -> dict:
    """Open a deal from a list (a back arrow returns to the list); the email's reading comes along."""
    view = _deal(state.deal_id, state.message_id)
    card = cards_for.deal_card(view, _links(), state.message_id, reading=_kept_reading(state))
    return push_card(card, from_action=True)


def on_refresh_deal(state: CardState) -> dict:
    """Reload the deal from the CRM."""
    view = _deal(state.deal_id, state.message_id)
    return update_card(cards_for.deal_card(view, _links(), state.message_id, reading=_kept_reading(state)))


def on_save_deal(state: CardState) -> dict:
    """Save what changed of stage and next step (vs what the card showed); a closed stage asks first."""
    if state.choice == "confirmed":  # from the closed-stage question: its stage, and the reason if given
        reason = (form_value(g.event, "close_reason") or "").strip()
        deal = _deal(state.deal_id, state.message_id).deal
        label = (deal.stage_by_id(state.stage or "") or deal.stage).label
        step = f"{label}: {reason}" if reason else state.next_step
        return _update(state, DealChanges(state.version or "", stage_id=state.stage, next_step=step))
    stage = form_value(g.event, "stage")
    step = form_value(g.event, "next_step")
    changes = DealChanges(
        state.version or "",
        stage_id=stage if stage and stage != state.stage else None,
        next_step=step.strip() if step is not None and step.strip() != (state.next_step or "") else None,
    )
    if not changes.fields():
        return notify("Nothing changed.")
    target = changes.stage_id and _deal(state.deal_id, state.message_id).deal
    closing = target and target.stage_by_id(changes.stage_id)
    if closing and closing.is_closed:
        card = cards_for.close_card(
            target, closing, changes.next_step, _links(), state.message_id, _kept_reading(state)
        )
        return push_card(card, from_action=True)
    return _update(state, changes)


def on_rate_email(state: CardState) -> dict:
    """Rate the open email 👍/👎 (or clear the rating); this logs it on the deal once, keyed by Message-ID."""
    return _log_email(state)


def on_log_email(state: CardState) -> dict:
    """Log the open email on the deal, keeping its current rating."""
    return _log_email(state)


def on_check_change(state: CardState) -> dict:
    """Show where a queued change stands now."""
    change = changes.change_status(get_state().outbox, g.rep, state.change_id or "")
    view = _deal_or_none(change.deal_id, state.message_id)
    return update_card(cards_for.change_card(change, view, _links(), state.message_id, _kept_reading(state)))


def on_resolve_conflict(state: CardState) -> dict:
    """Keep the CRM's values, or apply the rep's on top of the version they have now seen."""
    if state.choice != "mine":
        view = _deal(state.deal_id, state.message_id)
        return update_card(
            cards_for.deal_card(view, _links(), state.message_id, reading=_kept_reading(state)),
            notice="Kept the values in the CRM.",
        )
    return _update(state, DealChanges(state.version or "", stage_id=state.stage, next_step=state.next_step))


def on_new_contact(state: CardState) -> dict:
    """The form that adds a participant as a contact, prefilled from the email."""
    person = NewContact(state.email or "", state.name or "", state.company or "")
    return push_card(people_cards.person_card(person, _links(), state.message_id), from_action=True)


def on_add_contact(state: CardState) -> dict:
    """Add the contact (never twice for one address), then offer a deal for them."""
    st = get_state()
    person = NewContact(
        state.email or "",
        (form_value(g.event, "name") or "").strip(),
        (form_value(g.event, "company") or "").strip(),
    )
    result = writes.add_contact(st.write_deps(), g.rep, person, _idempotency_key())
    if result.change.state not in ("done", "queued"):
        return notify(result.change.reason or "The CRM refused the contact.")
    deals = views.pipeline(st.crm, g.rep, st.settings.going_dark_days)
    options = people.options(st.crm, g.rep)
    queued = result.change.state == "queued"
    card = people_cards.next_card(person, queued, deals, options, _links(), state.message_id)
    return update_card(card, notice="Syncing to the CRM" if queued else "Contact added")


def on_attach(state: CardState) -> dict:
    """Put the new contact on the chosen deal with the chosen role."""
    deal_id = form_value(g.event, "deal") or ""
    person = NewContact(state.email or "", state.name or "", state.company or "")
    result = writes.add_stakeholder(
        get_state().write_deps(),
        g.rep,
        deal_id,
        person,
        form_value(g.event, "role") or "",
        _idempotency_key(),
    )
    return _outcome(result, CardState(deal_id=deal_id, message_id=state.message_id))


def on_create_deal(state: CardState) -> dict:
    """Create a deal for the new contact's account, owned by the rep."""
    try:
        new = NewDealSchema().load(
            {
                "name": form_value(g.event, "deal_name") or "",
                "stage": form_value(g.event, "new_stage") or "",
                "close_date": form_value(g.event, "close_date") or "",
                "amount": (form_value(g.event, "amount") or "").strip() or None,
                "role": form_value(g.event, "deal_role") or "",
                "contact": {"email": state.email, "name": state.name or "", "company": state.company or ""},
            }
        )
    except ValidationError as exc:
        field, problems = next(iter(exc.normalized_messages().items()))
        first = problems[0] if isinstance(problems, list) else problems
        return notify(f"{field.replace('_', ' ').capitalize()}: {first}")
    result = writes.create_deal(get_state().write_deps(), g.rep, new, _idempotency_key())
    return _outcome(result, CardState(deal_id=result.change.deal_id, message_id=state.message_id))


ACTIONS = {
    f.__name__: f
    for f in (
        on_pick_deal,
        on_refresh_deal,
        on_save_deal,
        on_email_deals,
        on_new_contact,
        on_add_contact,
        on_attach,
        on_create_deal,
        on_rate_email,
        on_log_email,
        on_check_change,
        on_resolve_conflict,
    )
}


# --- helpers ---------------------------------------------------------------------------------


def _update(state: CardState, changes: DealChanges) -> dict:
    result = writes.update_deal(
        get_state().write_deps(), g.rep, state.deal_id or "", changes, _idempotency_key()
    )
    return _outcome(result, state)


def _log_email(state: CardState) -> dict:
    st = get_state()
    msg = _gmail().full(MessageRef.from_event(g.event))
    if not msg.message_id or msg.message_id != state.message_id:
        return notify("This card belongs to another email. Open the email again.")
    rating = Rating(state.rating) if state.rating else None
    email = writes.email_from_message(
        g.rep,
        msg.message_id,
        msg.subject,
        msg.from_address,
        msg.to,
        msg.cc,
        msg.sent_at,
        msg.body,
        rating,
        st.settings.email_body_max_chars,
    )
    return _outcome(
        writes.log_email(st.write_deps(), g.rep, state.deal_id or "", email, _idempotency_key()),
        state,
        msg.date_note,
        _reading(msg),  # read again after the rating taught the org: the rep sees it move
    )


def _reading(msg) -> Sentiment | None:
    """How the open email reads for the rep's organisation; None when its body was not read."""
    if not msg.body.strip():
        return None
    return signals.score(get_state().lexicon, g.rep.org_key, msg.body, msg.subject)


def _kept_reading(state: CardState) -> Sentiment | None:
    return reading_views.reading_from_state(state.reading) if state.reading else None


def _outcome(
    result: WriteResult, state: CardState, note: str | None = None, reading: Sentiment | None = None
) -> dict:
    parked = result.change.state == "needs_connect"  # the CRM refuses the rep's session: reads would too
    view = (
        result.theirs
        or result.deal
        or (
            None
            if parked or not result.change.deal_id
            else _deal_or_none(result.change.deal_id, state.message_id)
        )
    )
    notice = {"done": "Saved", "queued": "Saved, syncing to CRM…"}.get(result.change.state, "")
    if note:  # e.g. the email's Date header was replaced by the time Gmail received it
        notice = f"{notice}. {note}" if notice else note
    card = cards_for.change_card(
        result.change, view, _links(), state.message_id, reading or _kept_reading(state)
    )
    return update_card(card, notice=notice)


def _deal(deal_id: str | None, message_id: str | None = None) -> views.DealView:
    st = get_state()
    return views.deal_view(
        st.crm, g.rep, deal_id or "", st.settings.going_dark_days, message_id, st.ledger, st.capture
    )


def _deal_or_none(deal_id: str, message_id: str | None = None) -> views.DealView | None:
    try:
        return _deal(deal_id, message_id)
    except ServiceUnavailable:
        return None


def _idempotency_key() -> str:
    """Same button, same inputs → same key: Google's retries and double clicks replay, never repeat."""
    parts = [
        parameter(g.event, "action"),
        parameter(g.event, "state"),
        *(form_value(g.event, name) for name in FORM_FIELDS),
    ]
    return "gmail:" + hashlib.sha256("\x1f".join(p or "" for p in parts).encode()).hexdigest()


FORM_FIELDS = (
    "stage",
    "next_step",
    "close_reason",
    "name",
    "company",
    "deal",
    "role",
    "deal_name",
    "new_stage",
    "amount",
    "close_date",
    "deal_role",
)


def _called_url() -> str:
    """The URL as written in deployment.json (public base + path + query), never the URL a proxy shows us."""
    query = request.query_string.decode("latin-1")
    return get_state().settings.public_base_url.rstrip("/") + request.path + (f"?{query}" if query else "")


def _links() -> Links:
    st = get_state()
    return Links(
        st.settings.public_base_url.rstrip("/") + bp.url_prefix + "/action",
        lambda card_state: _signer().sign(g.rep, card_state),
        Formatter.from_event(g.event),
        st.crm.limits,
    )


def _signer() -> StateSigner:
    st = get_state()
    return st.lazy("gmail_state_signer", lambda: StateSigner(st.settings.secret_key))


def _gmail() -> GmailClient:
    st = get_state()
    return st.lazy("gmail_api", lambda: GmailClient(st.http, st.settings.gmail_api_url))


# --- errors: after verification a failure is a card or a notification with HTTP 200 ---


@bp.errorhandler(Exception)
def _failure(exc: Exception):
    if isinstance(exc, HTTPException):
        return jsonify(error_body(exc.code or 500, exc.description or "")), exc.code or 500
    if not isinstance(exc, AddinError):
        log.exception(
            "gmail add-on request failed"
        )  # traceback only: events carry tokens and are never logged
        exc = AddinError("Something went wrong on our side. Try again in a moment.")
    if "rep" not in g:  # not verified (or not verifiable): no card for an unknown caller
        log.info("gmail request refused: %s", exc.message)
        headers = {"WWW-Authenticate": exc.challenge} if isinstance(exc, Unauthorized) else {}
        return jsonify(error_body(exc.status_code, exc.message)), exc.status_code, headers
    message = _readable(exc)
    return notify(message) if request.endpoint == "gmail.action" else push_card(cards_for.error_card(message))


def _readable(exc: AddinError) -> str:
    """The message, with the first field problem when validation failed ("At most 255 characters ...")."""
    fields = (exc.errors or {}).get("json") or exc.errors or {}
    problems = [str(msgs[0]) for msgs in fields.values() if isinstance(msgs, list) and msgs]
    return problems[0] if problems else exc.message
