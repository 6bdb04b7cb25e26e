"""Routes of /api/v1: parse with a schema, call one service, dump with a schema (reads: compiled from it)."""

from __future__ import annotations

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from addin_api.api import fastdump, view_cache
from addin_api.api import schemas as sc
from addin_api.api.auth import authenticate, current_rep
from addin_api.api.idempotency import remember, replay_if_seen
from addin_api.errors import Conflict, Forbidden, Unprocessable
from addin_api.errors_http import error_response
from addin_api.json_door import SafeArgumentsParser
from addin_api.services import changes, people, views, write_types, writes
from addin_api.state import get_state

NOT_SUPPORTED = "`not_supported`: the configured CRM does not take people from the inbox."
NOT_SUPPORTED_OR_INVALID = "Invalid, refused by the CRM, or " + NOT_SUPPORTED

bp = Blueprint("api", __name__, url_prefix="/api/v1", description="Deals of the people on an email.")
bp.ARGUMENTS_PARSER = SafeArgumentsParser()  # bodies parsed with the door's limits (addin_api/json_door.py)
bp.before_request(authenticate)  # every route of this blueprint, with no way to forget one
bp.before_request(replay_if_seen)
bp.before_request(view_cache.serve_kept)
bp.after_request(remember)
bp.after_request(view_cache.keep)
bp.teardown_request(view_cache.release)
STATUS = {"done": 200, "queued": 202}


@bp.errorhandler(Forbidden)
def _forbidden(exc: Forbidden):
    """Every `crm_auth` answer says how many of the rep's changes wait for them to reconnect."""
    if exc.details.get("reason") == "crm_auth" and "pending_changes" not in exc.details:
        exc.details["pending_changes"] = changes.pending_connect(get_state().outbox, current_rep())
    return error_response(exc)


def _key() -> str | None:
    """This request's Idempotency-Key, once `replay_if_seen` has reserved it."""
    return (g.idempotency or (None,))[0]


def _respond(result: write_types.WriteResult):
    """Map a write outcome: done 200, queued 202, needs_connect 403, conflict 409, rejected 422."""
    change = result.change
    if result.crm_auth:
        raise Forbidden(
            "Your CRM connection needs to be renewed. Your change is kept and is sent once you reconnect.",
            reason="crm_auth",
            change_id=change.id,
        )
    if change.state == "conflict":
        theirs = sc.DealSchema().dump(result.theirs) if result.theirs else None
        raise Conflict(
            "Someone changed this deal since you opened it.",
            change_id=change.id,
            conflict=change.conflict,
            theirs=theirs,
        )
    if change.state == "rejected":
        raise Unprocessable(
            change.reason or "The CRM refused the change.", change_id=change.id, reason="crm_rejected"
        )
    return {"change": change, "deal": result.deal, "contact": result.contact}, STATUS[change.state]


@bp.route("/context")
class Context(MethodView):
    @bp.arguments(sc.ContextQuerySchema, location="query", as_kwargs=True)
    @bp.response(200, fastdump.CONTEXT)
    def get(self, email, message_id=None):
        """Contacts among the open message's participants and their open deals, most active first."""
        st, rep = get_state(), current_rep()
        found = views.email_context(
            st.crm, rep, email, st.settings.going_dark_days, message_id, st.ledger, st.capture
        )
        return {"contacts": found, "unknown": views.unknown_people(rep, email, found)}


@bp.route("/pipeline")
class Pipeline(MethodView):
    @bp.arguments(sc.PipelineQuerySchema, location="query", as_kwargs=True)
    @bp.response(200, fastdump.PIPELINE)
    def get(self, **page):
        """The rep's own open deals, a page at a time in close-date order; each page warned first."""
        st = get_state()
        return views.pipeline_page(
            st.crm, current_rep(), st.settings.going_dark_days, st.ledger, st.capture, **page
        )


@bp.route("/deals/<deal_id>")
class DealById(MethodView):
    @bp.arguments(sc.MessageQuerySchema, location="query", as_kwargs=True)
    @bp.response(200, fastdump.DEAL)
    def get(self, deal_id, message_id=None):
        """One deal with its valid stages, stakeholders, business case, activities and health."""
        st = get_state()
        return views.deal_view(
            st.crm, current_rep(), deal_id, st.settings.going_dark_days, message_id, st.ledger, st.capture
        )

    @bp.arguments(sc.DealUpdateSchema)
    @bp.response(200, sc.WriteResultSchema)
    @bp.alt_response(202, schema=sc.WriteResultSchema, description="Saved; syncing to the CRM.")
    @bp.alt_response(
        409,
        schema=sc.ErrorResponseSchema,
        description="A field you edit moved since `version`: yours vs theirs, and what else moved, by whom.",
    )
    @bp.alt_response(422, schema=sc.ErrorResponseSchema, description="Invalid, or refused by the CRM.")
    def patch(self, changes, deal_id):
        """Change stage and/or next step; never overwrites a change made since `version`."""
        return _respond(writes.update_deal(get_state().write_deps(), current_rep(), deal_id, changes, _key()))


@bp.route("/deals/<deal_id>/emails")
class DealEmails(MethodView):
    @bp.arguments(sc.EmailLogSchema)
    @bp.response(200, sc.WriteResultSchema)
    @bp.alt_response(202, schema=sc.WriteResultSchema, description="Saved; syncing to the CRM.")
    def post(self, data, deal_id):
        """Log the email on the deal and set or clear its rating; repeating it never duplicates."""
        st, rep = get_state(), current_rep()
        reader = st.lazy("message_reader", lambda: _message_reader(st))
        body = reader.read(g.access_token, rep, data["item_id"], data["message_id"]) or data["body"]
        email = writes.email_from_message(
            rep,
            data["message_id"],
            data["subject"],
            data["from_"],
            data["to"],
            data["cc"],
            data["sent_at"],
            body,
            data["rating"],
            st.settings.email_body_max_chars,
        )
        return _respond(writes.log_email(st.write_deps(), rep, deal_id, email, _key()))


@bp.route("/crm/options")
class CrmOptions(MethodView):
    @bp.response(200, sc.CrmOptionsSchema)
    @bp.alt_response(422, schema=sc.ErrorResponseSchema, description=NOT_SUPPORTED)
    def get(self):
        """Stakeholder roles and the stages a new deal may take, from the CRM's picklists."""
        return people.options(get_state().crm, current_rep())


@bp.route("/contacts")
class Contacts(MethodView):
    @bp.arguments(sc.NewContactSchema)
    @bp.response(200, sc.WriteResultSchema)
    @bp.alt_response(202, schema=sc.WriteResultSchema, description="Saved; syncing to the CRM.")
    @bp.alt_response(422, schema=sc.ErrorResponseSchema, description=NOT_SUPPORTED_OR_INVALID)
    def post(self, data):
        """Add a participant as a contact (account by email domain); an address already known is returned."""
        return _respond(writes.add_contact(get_state().write_deps(), current_rep(), data["contact"], _key()))


@bp.route("/deals")
class Deals(MethodView):
    @bp.arguments(sc.NewDealSchema)
    @bp.response(200, sc.WriteResultSchema)
    @bp.alt_response(202, schema=sc.WriteResultSchema, description="Saved; syncing to the CRM.")
    @bp.alt_response(422, schema=sc.ErrorResponseSchema, description=NOT_SUPPORTED_OR_INVALID)
    def post(self, new):
        """Create a deal for a participant's account (made if needed), owned by you, with them on it."""
        return _respond(writes.create_deal(get_state().write_deps(), current_rep(), new, _key()))


@bp.route("/deals/<deal_id>/stakeholders")
class DealStakeholders(MethodView):
    @bp.arguments(sc.StakeholderAddSchema)
    @bp.response(200, sc.WriteResultSchema)
    @bp.alt_response(202, schema=sc.WriteResultSchema, description="Saved; syncing to the CRM.")
    @bp.alt_response(422, schema=sc.ErrorResponseSchema, description=NOT_SUPPORTED_OR_INVALID)
    def post(self, data, deal_id):
        """Put a participant (added as a contact if new) on the deal with a role; a repeat sets the role."""
        deps = get_state().write_deps()
        return _respond(
            writes.add_stakeholder(deps, current_rep(), deal_id, data["contact"], data["role"], _key())
        )


@bp.route("/changes")
class Changes(MethodView):
    @bp.arguments(sc.ChangeListQuerySchema, location="query", as_kwargs=True)
    @bp.response(200, sc.ChangeListSchema)
    def get(self, state):
        """The rep's own changes waiting to be sent: `needs_connect` (reconnect the CRM) or `queued`."""
        found, total = changes.changes_of(get_state().outbox, current_rep(), state)
        return {"changes": found, "total": total}


@bp.route("/changes/<change_id>")
class ChangeById(MethodView):
    @bp.response(200, sc.ChangeSchema)
    def get(self, change_id):
        """Where a change stands: queued, needs_connect, done, conflict or rejected (with the reason)."""
        return changes.change_status(get_state().outbox, current_rep(), change_id)


@bp.route("/crm/connect")
class CrmConnect(MethodView):
    @bp.response(200, sc.ConnectLinkSchema)
    def post(self):
        """A short-lived link to open in a dialog so the rep connects their own CRM account once."""
        from addin_api.crm_connect import connect_link

        return {"url": connect_link(current_rep())}


class _NoServerRead:
    """Without Graph credentials the taskpane's own copy of the body is used."""

    def read(self, token, rep, item_id, message_id=None):
        """Nothing to read server-side."""
        return None


def _message_reader(st):
    if st.settings.graph_reads:
        from addin_api.graph import GraphMessageReader

        return GraphMessageReader.from_state(st)
    return _NoServerRead()
