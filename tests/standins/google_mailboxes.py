"""Loopback Google stand-in: OAuth token endpoint (JWT-bearer grant), Gmail history/messages, Calendar events.

- `POST /token`: `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer` with an RS256 `assertion` signed by
  the service account's key (iss = client_email, sub = the impersonated user, Google's aud, scope).
- Gmail `users.getProfile` (historyId), `users.messages.list` (pageToken/nextPageToken),
  `users.messages.get?format=metadata&metadataHeaders=…` (only those headers), or `format=full` (the MIME
  tree with base64url bodies) only for a token with the gmail.readonly scope (gmail.metadata refuses it),
  `users.history.list` (startHistoryId; 404 once it is too old).
- Calendar `events.list` on `primary`: nextPageToken, then nextSyncToken; cancelled events as
  `{"id", "status": "cancelled"}` on incremental reads; 410 `fullSyncRequired` for an expired sync token.
- Any request can be throttled: 429 with `Retry-After`.
"""

from __future__ import annotations

import base64
import json
import secrets
from datetime import UTC, datetime
from email.utils import format_datetime

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, jsonify, request

from tests.standins.idp import LoopbackServer, LoopbackStandIn
from tests.standins.mailbox_log import ChangeLog, pack, unpack

READONLY = "https://www.googleapis.com/auth/gmail.readonly"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
# Google's documented `aud` of the assertion, whatever host the token request goes to.
GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"
CLIENT_EMAIL = "capture@addin-project.iam.gserviceaccount.com"


class GoogleMailboxStandIn(LoopbackStandIn):
    """Workspace mailboxes and calendars readable by one service account with domain-wide delegation."""

    __test__ = False

    def __init__(self, delegated_scopes: tuple[str, ...] | None = None):
        self.log = ChangeLog()
        self.delegated_scopes = delegated_scopes  # None = every scope asked for is delegated
        self.requests: list[dict] = []  # api, user, and the query of each Gmail/Calendar call
        self.token_requests: list[dict] = []
        self._tokens: dict[str, str] = {}  # access token -> impersonated user
        self._scopes: dict[str, set[str]] = {}  # access token -> the scopes it was granted
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.history_floor: dict[str, int] = {}  # user -> oldest startHistoryId still served
        self._server = LoopbackServer(self._app())
        self.url = self._server.url

    def key_file(self, path) -> str:
        """Write the service account's JSON key (naming this stand-in's token URI) to `path`."""
        pem = self._key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        key = {
            "type": "service_account",
            "project_id": "addin-project",
            "private_key_id": secrets.token_hex(20),
            "private_key": pem,
            "client_email": CLIENT_EMAIL,
            "client_id": "112233445566778899000",
            "token_uri": f"{self.url}/token",
        }
        path.write_text(json.dumps(key))
        return str(path)

    def settings_overrides(self, key_path: str) -> dict:
        """Settings that point capture at this stand-in."""
        return {
            "capture_source": "google",
            "google_capture_key_path": key_path,
            "gmail_api_url": self.url,
            "google_calendar_api_url": self.url,
        }

    # --- content --------------------------------------------------------------------------

    def add_message(
        self, user, message_id, sender, to, sent_at: datetime, cc=(), body="secret body", html=None
    ) -> str:
        """Deliver a message to a user's mailbox (sent mail too: Gmail keeps one mailbox); its Gmail id.

        `html` makes it an HTML-only email; otherwise it has a text/plain and a text/html part.
        """
        gid = secrets.token_hex(8)
        headers = {
            "From": sender,
            "To": ", ".join(to),
            "Cc": ", ".join(cc),
            "Subject": "Subject capture must not need",
            "Message-ID": message_id,
            "Date": format_datetime(sent_at),
        }
        internal = str(int(sent_at.timestamp() * 1000))
        self.log.put(
            user,
            "mail",
            gid,
            {
                "id": gid,
                "threadId": gid,
                "headers": headers,
                "internalDate": internal,
                "parts": _parts(body, html),
            },
        )
        return gid

    def add_event(self, user, ical_uid, organizer, attendees, start: datetime) -> str:
        """Put a meeting in the user's primary calendar; its event id."""
        eid = secrets.token_hex(10)
        self.log.put(
            user,
            "calendar",
            eid,
            {
                "kind": "calendar#event",
                "id": eid,
                "iCalUID": ical_uid,
                "status": "confirmed",
                "summary": "Meeting",
                "start": {"dateTime": start.astimezone(UTC).isoformat().replace("+00:00", "Z")},
                "organizer": {"email": organizer},
                "attendees": [{"email": a, "responseStatus": "accepted"} for a in attendees],
            },
        )
        return eid

    def cancel_event(self, user: str, event_id: str) -> None:
        """The organizer cancelled the meeting."""
        self.log.put(
            user,
            "calendar",
            event_id,
            {**self.log.current(user, "calendar", event_id), "status": "cancelled"},
        )

    def expire_history(self, user: str) -> None:
        """History ids and sync tokens handed out so far are too old (404 / 410)."""
        self.history_floor[user.lower()] = self.log.seq + 1
        self.log.expire(user)

    def calls(self, api: str) -> list[dict]:
        """Calls of one API method (e.g. `history.list`, `messages.get`, `events.list`)."""
        return [r for r in self.requests if r["api"] == api]

    # --- the WSGI app ---------------------------------------------------------------------

    def _app(self) -> Flask:
        app = Flask(__name__)
        app.add_url_rule("/token", "token", self._token, methods=["POST"])
        app.add_url_rule("/gmail/v1/users/<user>/profile", "profile", self._profile)
        app.add_url_rule("/gmail/v1/users/<user>/messages", "list", self._list)
        app.add_url_rule("/gmail/v1/users/<user>/messages/<gid>", "get", self._get)
        app.add_url_rule("/gmail/v1/users/<user>/history", "history", self._history)
        app.add_url_rule("/calendar/v3/calendars/<cal>/events", "events", self._events)
        app.before_request(self._gate)
        return app

    def _token(self):
        form = request.form
        try:
            claims = jwt.decode(
                form.get("assertion", ""),
                self._key.public_key(),
                algorithms=["RS256"],
                audience=GOOGLE_TOKEN_AUDIENCE,
                issuer=CLIENT_EMAIL,
            )
        except jwt.PyJWTError:
            return jsonify({"error": "invalid_grant", "error_description": "Invalid JWT Signature."}), 400
        scopes = set(claims.get("scope", "").split())
        self.token_requests.append(
            {"sub": claims.get("sub"), "scopes": scopes, "grant_type": form.get("grant_type")}
        )
        if form.get("grant_type") != JWT_BEARER or not claims.get("sub"):
            return jsonify(
                {"error": "unsupported_grant_type", "error_description": "Invalid grant_type."}
            ), 400
        if self.delegated_scopes is not None and not scopes <= set(self.delegated_scopes):
            return jsonify(
                {
                    "error": "unauthorized_client",
                    "error_description": "Client is unauthorized to retrieve access tokens with this method.",
                }
            ), 401
        token = "ya29." + secrets.token_urlsafe(24)
        self._tokens[token] = claims["sub"].lower()
        self._scopes[token] = scopes
        return {"access_token": token, "expires_in": 3599, "token_type": "Bearer"}

    def _gate(self):
        if request.path == "/token":
            return None
        user = self._tokens.get(request.headers.get("Authorization", "").removeprefix("Bearer "))
        if user is None:
            return _error(401, "Request had invalid authentication credentials.", "authError")
        asked = (request.view_args or {}).get("user") or user
        if asked.lower() not in (user, "me"):
            return _error(403, "Delegation denied for this user.", "forbidden")
        wait = self.log.take_throttle()
        if wait is not None:
            response = _error(429, "Too many concurrent requests for user.", "rateLimitExceeded")
            response[0].headers["Retry-After"] = str(wait)
            return response
        request.environ["standin.user"] = user
        request.environ["standin.scopes"] = self._scopes.get(
            request.headers.get("Authorization", "").removeprefix("Bearer "), set()
        )
        return None

    def _note(self, api: str) -> str:
        user = request.environ["standin.user"]
        self.requests.append({"api": api, "user": user, "args": request.args.to_dict(flat=False)})
        return user

    def _profile(self, user):
        user = self._note("getProfile")
        return {"emailAddress": user, "historyId": str(self.log.seq)}

    def _list(self, user):
        user = self._note("messages.list")
        state = unpack(request.args.get("pageToken", "")) or {"hi": self.log.seq, "off": 0}
        items = self.log.changed(user, "mail", 0, state["hi"], removed=False)
        size = int(request.args.get("maxResults", 100))
        page = items[state["off"] : state["off"] + size]
        body = {
            "messages": [{"id": i, "threadId": it["threadId"]} for i, it in page],
            "resultSizeEstimate": len(items),
        }
        if state["off"] + size < len(items):
            body["nextPageToken"] = pack({**state, "off": state["off"] + size})
        return body

    def _get(self, user, gid):
        user = self._note("messages.get")
        full = request.args.get("format") == "full" and READONLY in request.environ["standin.scopes"]
        if request.args.get("format") != "metadata" and not full:
            return _error(403, "Metadata scope doesn't allow format FULL", "forbidden")
        message = self.log.current(user, "mail", gid)
        if message is None:
            return _error(404, "Requested entity was not found.", "notFound")
        if full:
            return _full_view(gid, message, self.log.seq)
        wanted = {h.lower() for h in request.args.getlist("metadataHeaders")}
        headers = [
            {"name": k, "value": v} for k, v in message["headers"].items() if k.lower() in wanted and v
        ]
        return {
            "id": gid,
            "threadId": message["threadId"],
            "labelIds": ["INBOX"],
            "historyId": str(self.log.seq),
            "internalDate": message["internalDate"],
            "payload": {"mimeType": "multipart/alternative", "headers": headers},
        }

    def _history(self, user):
        user = self._note("history.list")
        start = int(request.args.get("startHistoryId", "0"))
        if start < self.history_floor.get(user, 0):
            return _error(404, "Requested entity was not found.", "notFound")
        state = unpack(request.args.get("pageToken", "")) or {"hi": self.log.seq, "off": 0}
        changed = [
            (seq, i)
            for seq, m, f, i, it in self.log.entries
            if m == user and f == "mail" and start < seq <= state["hi"] and it
        ]
        size = int(request.args.get("maxResults", 100))
        page = changed[state["off"] : state["off"] + size]
        body = {
            "history": [
                {"id": str(seq), "messagesAdded": [{"message": {"id": i, "threadId": i}}]} for seq, i in page
            ],
            "historyId": str(state["hi"]),
        }
        if state["off"] + size < len(changed):
            body["nextPageToken"] = pack({**state, "off": state["off"] + size})
        return body

    def _events(self, cal):
        user = self._note("events.list")
        gen = self.log.generation.get(user, 0)
        if "pageToken" in request.args:
            state = unpack(request.args["pageToken"]) or {}
        elif "syncToken" in request.args:
            state = {**(unpack(request.args["syncToken"]) or {}), "hi": self.log.seq, "off": 0}
            if state.get("gen") != gen:
                return _error(
                    410, "Sync token is no longer valid, a full sync is required.", "fullSyncRequired"
                )
        else:
            state = {"lo": 0, "hi": self.log.seq, "off": 0, "gen": gen}
        full = state["lo"] == 0
        items = self.log.changed(user, "calendar", state["lo"], state["hi"], removed=not full)
        if full:
            items = [(i, it) for i, it in items if it["status"] != "cancelled"]
        size = int(request.args.get("maxResults", 250))
        page = items[state["off"] : state["off"] + size]
        body = {"kind": "calendar#events", "items": [_event_view(i, it) for i, it in page]}
        if state["off"] + size < len(items):
            body["nextPageToken"] = pack({**state, "off": state["off"] + size})
        else:
            body["nextSyncToken"] = pack({"lo": state["hi"], "gen": gen})
        return body


def _parts(body: str, html: str | None) -> list[dict]:
    if html is not None:
        return [{"mimeType": "text/html", "body": {"data": _b64(html)}}]
    return [
        {"mimeType": "text/plain", "body": {"data": _b64(body)}},
        {"mimeType": "text/html", "body": {"data": _b64(f"<div>{body}</div>")}},
    ]


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _full_view(gid: str, message: dict, seq: int) -> dict:
    """format=full: every header and the MIME tree with base64url bodies."""
    headers = [{"name": k, "value": v} for k, v in message["headers"].items() if v]
    return {
        "id": gid,
        "threadId": message["threadId"],
        "labelIds": ["INBOX"],
        "historyId": str(seq),
        "internalDate": message["internalDate"],
        "payload": {"mimeType": "multipart/alternative", "headers": headers, "parts": message["parts"]},
    }


def _event_view(event_id: str, event: dict | None) -> dict:
    if event is None or event["status"] == "cancelled":
        return {"kind": "calendar#event", "id": event_id, "status": "cancelled"}
    return event


def _error(code: int, message: str, reason: str):
    return jsonify(
        {"error": {"code": code, "message": message, "errors": [{"message": message, "reason": reason}]}}
    ), code
