"""Loopback HTTPS stand-in for Entra's client-credentials token endpoint and Graph's delta queries.

Serves `/{tenant}/oauth2/v2.0/token` (grant_type=client_credentials, as msal sends it), tenant discovery,
`/v1.0/users/{id}/mailFolders/{folder}/messages/delta` and `/v1.0/users/{id}/calendarView/delta` in
Graph's documented shapes: pages of `value` with `@odata.nextLink` ($skiptoken) until the last page,
which carries `@odata.deltaLink` ($deltatoken); `Prefer: odata.maxpagesize=N` sets the page size; removed
items come as `{"id", "@removed": {"reason": "deleted"}}`; an expired token answers 410 `syncStateNotFound`;
throttling answers 429 with `Retry-After`.
"""

from __future__ import annotations

import re
import secrets
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path

import requests
from flask import Flask, jsonify, request

from tests.standins.graph import _tls_context
from tests.standins.idp import CLIENT_ID, TENANT, LoopbackServer, LoopbackStandIn
from tests.standins.mailbox_log import ChangeLog, pack, unpack

FOLDERS = {"inbox", "sentitems"}
DEFAULT_PAGE = 10


class GraphMailboxStandIn(LoopbackStandIn):
    """Mailboxes of one tenant, readable app-only through delta queries; records every request."""

    __test__ = False

    def __init__(
        self, tenant: str = TENANT, client_id: str = CLIENT_ID, client_secret: str = "capture-secret"
    ):
        self.tenant, self.client_id, self.client_secret = tenant, client_id, client_secret
        self.log = ChangeLog()
        self.requests: list[dict] = []  # one per Graph call: mailbox, folder, kind (full|next|delta), select
        self.token_requests: list[dict] = []
        self._tokens: set[str] = set()
        self.hold_at: int | None = None  # the Graph call (1-based) that waits for `release` before answering
        self.held, self.release = threading.Event(), threading.Event()
        self._dir = tempfile.TemporaryDirectory(prefix="graph-mailboxes-")
        self.ca_file = str(Path(self._dir.name) / "cert.pem")
        self._server = LoopbackServer(self._app(), ssl_context=_tls_context(Path(self._dir.name)))
        self.url = self._server.url

    def stop(self) -> None:
        """Stop answering and delete the throwaway certificate."""
        super().stop()
        self._dir.cleanup()

    def trust(self, session: requests.Session) -> requests.Session:
        """Make `session` accept the stand-in's certificate."""
        session.verify, session.trust_env = self.ca_file, False
        return session

    def settings_overrides(self) -> dict:
        """Settings that point capture at this stand-in."""
        return {
            "ms_authority": self.url,
            "graph_url": self.url,
            "ms_client_id": self.client_id,
            "ms_client_secret": self.client_secret,
            "capture_ms_tenant": self.tenant,
            "capture_source": "microsoft",
        }

    # --- mailbox content ------------------------------------------------------------------

    def add_message(
        self, mailbox, folder, message_id, sender, to, sent_at: datetime, cc=(), body="secret body"
    ):
        """Put a message into a folder (`inbox` or `sentitems`); its Graph id."""
        item_id = "AAMk" + secrets.token_hex(8)
        self.log.put(
            mailbox,
            folder,
            item_id,
            {
                "id": item_id,
                "internetMessageId": message_id,
                "subject": "Subject that capture must not need",
                "body": {"contentType": "text", "content": body},
                "from": _address(sender),
                "toRecipients": [_address(a) for a in to],
                "ccRecipients": [_address(a) for a in cc],
                "sentDateTime": _iso(sent_at),
                "receivedDateTime": _iso(sent_at),
            },
        )
        return item_id

    def add_event(self, mailbox, ical_uid, organizer, attendees, start: datetime) -> str:
        """Put a meeting into the mailbox's calendar; its Graph id."""
        item_id = "AAMkEv" + secrets.token_hex(8)
        self.log.put(
            mailbox,
            "calendar",
            item_id,
            {
                "id": item_id,
                "iCalUId": ical_uid,
                "subject": "Meeting",
                "isCancelled": False,
                "start": {
                    "dateTime": start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.0000000"),
                    "timeZone": "UTC",
                },
                "organizer": _address(organizer),
                "attendees": [{"type": "required", **_address(a)} for a in attendees],
            },
        )
        return item_id

    def cancel_event(self, mailbox: str, item_id: str) -> None:
        """The organizer cancelled: the event stays with `isCancelled: true`."""
        event = dict(self.log.current(mailbox, "calendar", item_id))
        self.log.put(mailbox, "calendar", item_id, {**event, "isCancelled": True})

    def delete_event(self, mailbox: str, item_id: str) -> None:
        """The event left the calendar: delta reports it as @removed."""
        self.log.put(mailbox, "calendar", item_id, None)

    def calls(self, kind: str | None = None) -> list[dict]:
        """Graph calls made (of one kind: full, next or delta)."""
        return [r for r in self.requests if kind is None or r["kind"] == kind]

    # --- the WSGI app ---------------------------------------------------------------------

    def _app(self) -> Flask:
        app = Flask(__name__)
        app.add_url_rule("/<tenant>/v2.0/.well-known/openid-configuration", "discovery", self._discovery)
        app.add_url_rule("/<tenant>/oauth2/v2.0/token", "token", self._token, methods=["POST"])
        app.add_url_rule("/v1.0/users/<mailbox>/mailFolders/<folder>/messages/delta", "mail", self._mail)
        app.add_url_rule("/v1.0/users/<mailbox>/calendarView/delta", "events", self._events)
        return app

    def _discovery(self, tenant: str):
        base = f"{self.url}/{tenant}"
        return {
            "issuer": f"{base}/v2.0",
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "jwks_uri": f"{self.url}/common/discovery/v2.0/keys",
        }

    def _token(self, tenant: str):
        form = request.form
        self.token_requests.append(
            {"tenant": tenant, "grant_type": form.get("grant_type"), "scope": form.get("scope")}
        )
        if (
            form.get("grant_type") != "client_credentials"
            or form.get("client_id") != self.client_id
            or form.get("client_secret") != self.client_secret
        ):
            return _oauth_error("invalid_client", "AADSTS7000215: Invalid client secret provided.", 401)
        if tenant != self.tenant or not form.get("scope", "").endswith("/.default"):
            return _oauth_error("invalid_request", "AADSTS1002012: The provided scope is invalid.", 400)
        token = "app-" + secrets.token_urlsafe(24)
        self._tokens.add(token)
        return {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": token}

    def _mail(self, mailbox: str, folder: str):
        if folder.lower() not in FOLDERS:
            return _graph_error("ErrorInvalidIdMalformed", "Id is malformed.", 400)
        return self._delta(mailbox, folder.lower(), "mail")

    def _events(self, mailbox: str):
        first = "$skiptoken" not in request.args and "$deltatoken" not in request.args
        if first and not (request.args.get("startDateTime") and request.args.get("endDateTime")):
            return _graph_error("ErrorInvalidParameter", "startDateTime and endDateTime are required.", 400)
        return self._delta(mailbox, "calendar", "events")

    def _delta(self, mailbox: str, folder: str, endpoint: str):
        if request.headers.get("Authorization", "").removeprefix("Bearer ") not in self._tokens:
            return _graph_error("InvalidAuthenticationToken", "Access token is empty or invalid.", 401)
        wait = self.log.take_throttle()
        if wait is not None:
            response = _graph_error(
                "TooManyRequests", "Application is over its MailboxConcurrency limit.", 429
            )
            response[0].headers["Retry-After"] = str(wait)
            return response
        if self.hold_at is not None and len(self.requests) + 1 == self.hold_at:
            self.held.set()  # the caller is now between two pages
            self.release.wait(30)
        state, kind = self._state(mailbox)
        self.requests.append(
            {"mailbox": mailbox.lower(), "folder": folder, "kind": kind, "select": state["sel"]}
        )
        if state.get("gen") != self.log.generation.get(mailbox.lower(), 0):
            return _graph_error("SyncStateNotFound", "The sync state generation is not found.", 410)
        changes = self.log.changed(mailbox, folder, state["lo"], state["hi"], removed=kind != "full")
        size = _page_size(request.headers.get("Prefer", ""))
        page = changes[state["off"] : state["off"] + size]
        body = {
            "@odata.context": f"{self.url}/v1.0/$metadata#Collection(message)",
            "value": [_view(i, it, state["sel"]) for i, it in page],
        }
        base = f"{self.url}{request.path}"
        if state["off"] + size < len(changes):
            body["@odata.nextLink"] = f"{base}?$skiptoken={pack({**state, 'off': state['off'] + size})}"
        else:
            body["@odata.deltaLink"] = f"{base}?$deltatoken={pack({**state, 'lo': state['hi'], 'off': 0})}"
        return jsonify(body)

    def _state(self, mailbox: str) -> tuple[dict, str]:
        """The paging state of this request: from a $skiptoken, a $deltatoken, or a fresh full sync."""
        gen = self.log.generation.get(mailbox.lower(), 0)
        if "$skiptoken" in request.args:
            return unpack(request.args["$skiptoken"]) or {}, "next"
        if "$deltatoken" in request.args:
            state = unpack(request.args["$deltatoken"]) or {}
            return {**state, "hi": self.log.seq}, "delta"
        return {"lo": 0, "hi": self.log.seq, "off": 0, "gen": gen, "sel": request.args.get("$select")}, "full"


def _view(item_id: str, item: dict | None, select: str | None) -> dict:
    if item is None:
        return {"id": item_id, "@removed": {"reason": "deleted"}}
    if not select:
        return {k: v for k, v in item.items() if k != "body"} if "iCalUId" in item else item
    wanted = {"id", *select.split(",")}
    return {k: v for k, v in item.items() if k in wanted}


def _page_size(prefer: str) -> int:
    match = re.search(r"odata\.maxpagesize=(\d+)", prefer)
    return int(match.group(1)) if match else DEFAULT_PAGE


def _address(address: str) -> dict:
    return {"emailAddress": {"name": address.split("@")[0], "address": address}}


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _oauth_error(code: str, description: str, status: int):
    return jsonify({"error": code, "error_description": description}), status


def _graph_error(code: str, message: str, status: int):
    return jsonify({"error": {"code": code, "message": message}}), status
