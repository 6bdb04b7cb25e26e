"""Loopback stand-ins for Google: ID-token signing certificates and the Gmail API's users.messages.get.

Typical use::

    with GoogleStandIn() as google:
        app = create_app({..., **google.settings_overrides()})
        bearer = google.mint(aud="https://addin.example.test/gmail/homepage", email=google.service_account)
        ref = google.add_message("18f2a...", message_id="<abc@mail.example>", ...)

Certificates are served at `/oauth2/v1/certs` in Google's v1 format, `{kid: PEM X.509 certificate}`,
which google-auth's `verify_token(certs_url=...)` reads. Gmail answers Google's Message resource
shape (`payload.headers[]`, base64url bodies in `payload.parts[]`) only when both the user's
OAuth token and the message's add-on access token are presented.
"""

from __future__ import annotations

import base64
import collections
import datetime as dt
import hashlib
import secrets
import threading
import time
from email.utils import format_datetime
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from flask import Flask, jsonify, request

from tests.standins.idp import LoopbackServer, LoopbackStandIn

BASE_URL = "https://addin.example.test"
SERVICE_ACCOUNT = "service-123456789012@gcp-sa-gsuiteaddons.iam.gserviceaccount.com"
OAUTH_CLIENT_ID = "123456789012-abcdefghijklmnop.apps.googleusercontent.com"
DOMAIN = "demo.example"
CERTS_PATH = "/oauth2/v1/certs"


class GoogleStandIn(LoopbackStandIn):
    """Google's certificate endpoint and Gmail API on loopback, counting every request."""

    __test__ = False

    def __init__(self):
        self.requests: collections.Counter = collections.Counter()  # "certs" | ("messages.get", format)
        self.messages: dict[str, dict] = {}  # Gmail id -> full Message resource
        self.access_tokens: dict[str, str] = {}  # Gmail id -> gmail.accessToken of the add-on event
        self.oauth_token = "ya29.test-" + secrets.token_urlsafe(12)
        self.service_account, self.client_id, self.domain = SERVICE_ACCOUNT, OAUTH_CLIENT_ID, DOMAIN
        self._lock = threading.Lock()
        self._key, self.kid = _new_key(), secrets.token_hex(20)
        self._pem = _certificate(self._key).public_bytes(serialization.Encoding.PEM).decode()
        self._server = LoopbackServer(self._app())
        self.url = self._server.url
        self.certs_url = self.url + CERTS_PATH

    def settings_overrides(self) -> dict[str, Any]:
        """Settings that make the app trust this stand-in and read mail from it."""
        return {
            "public_base_url": BASE_URL,
            "google_addon_service_account": SERVICE_ACCOUNT,
            "google_oauth_client_id": OAUTH_CLIENT_ID,
            "google_allowed_domains": (DOMAIN,),
            "google_certs_url": self.certs_url,
            "gmail_api_url": self.url,
        }

    def mint(
        self,
        aud: str,
        email: str,
        sub: str | None = None,
        hd: str | None = None,
        email_verified=True,
        iss: str = "https://accounts.google.com",
        exp_delta: int = 3600,
        key: rsa.RSAPrivateKey | None = None,
        extra: dict | None = None,
    ) -> str:
        """A Google-shaped ID token signed with the published key (or `key`, to forge a bad signature)."""
        now = int(time.time())
        claims = {
            "iss": iss,
            "aud": aud,
            "azp": aud,
            "sub": sub or subject_of(email),
            "email": email,
            "email_verified": email_verified,
            "iat": now,
            "exp": now + exp_delta,
        }
        if hd:
            claims["hd"] = hd
        claims.update(extra or {})
        return jwt.encode(claims, key or self._key, algorithm="RS256", headers={"kid": self.kid})

    def add_message(
        self,
        gmail_id: str,
        message_id: str,
        subject: str,
        sender: str,
        to: list[str],
        cc: list[str] = (),
        body: str = "Hello",
        sent: dt.datetime | None = None,
    ) -> str:
        """Store an email as Gmail would return it (format=full); returns its add-on access token."""
        sent = sent or dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
        headers = [
            ("Message-ID", message_id),
            ("Subject", subject),
            ("From", sender),
            ("To", ", ".join(to)),
            ("Date", format_datetime(sent)),
            ("MIME-Version", "1.0"),
            ("Content-Type", 'multipart/alternative; boundary="000000000000b1"'),
        ]
        if cc:
            headers.insert(4, ("Cc", ", ".join(cc)))
        self.messages[gmail_id] = {
            "id": gmail_id,
            "threadId": gmail_id,
            "labelIds": ["INBOX", "UNREAD"],
            "snippet": body[:100],
            "historyId": "84211",
            "internalDate": str(int(sent.timestamp() * 1000)),
            "sizeEstimate": 2048,
            "payload": {
                "partId": "",
                "mimeType": "multipart/alternative",
                "filename": "",
                "headers": [{"name": n, "value": v} for n, v in headers],
                "body": {"size": 0},
                "parts": [_part("0", "text/plain", body), _part("1", "text/html", f"<div>{body}</div>")],
            },
        }
        self.access_tokens[gmail_id] = "gmail-access-" + secrets.token_urlsafe(12)
        return self.access_tokens[gmail_id]

    def gmail_calls(self, fmt: str) -> int:
        """How often users.messages.get was answered with this format."""
        return self.requests[("messages.get", fmt)]

    # --- loopback app ---------------------------------------------------------------------

    def _certs(self):
        with self._lock:
            self.requests["certs"] += 1
        response = jsonify({self.kid: self._pem})
        response.headers["Cache-Control"] = "public, max-age=19800, must-revalidate, no-transform"
        return response

    def _get_message(self, gmail_id: str):
        fmt = request.args.get("format", "full")
        with self._lock:
            self.requests[("messages.get", fmt)] += 1
        if request.headers.get("Authorization") != f"Bearer {self.oauth_token}" or request.headers.get(
            "X-Goog-Gmail-Access-Token"
        ) != self.access_tokens.get(gmail_id, "-"):
            return _error(401, "Request had invalid authentication credentials.", "UNAUTHENTICATED")
        if gmail_id not in self.messages:
            return _error(404, "Requested entity was not found.", "NOT_FOUND")
        if fmt not in ("full", "metadata"):
            return _error(400, "Invalid format.", "INVALID_ARGUMENT")
        message = self.messages[gmail_id]
        if fmt == "full":
            return jsonify(message)
        wanted = {h.lower() for h in request.args.getlist("metadataHeaders")}
        headers = [h for h in message["payload"]["headers"] if not wanted or h["name"].lower() in wanted]
        payload = {
            "partId": "",
            "mimeType": message["payload"]["mimeType"],
            "filename": "",
            "headers": headers,
            "body": {"size": 0},
        }
        return jsonify({**{k: v for k, v in message.items() if k != "payload"}, "payload": payload})

    def _app(self) -> Flask:
        app = Flask(__name__)
        app.add_url_rule(CERTS_PATH, "certs", self._certs)
        app.add_url_rule("/gmail/v1/users/me/messages/<gmail_id>", "messages_get", self._get_message)
        return app


def _part(part_id: str, mime: str, text: str) -> dict:
    data = base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")
    return {
        "partId": part_id,
        "mimeType": mime,
        "filename": "",
        "headers": [{"name": "Content-Type", "value": f'{mime}; charset="UTF-8"'}],
        "body": {"size": len(text.encode()), "data": data},
    }


def _error(code: int, message: str, status: str):
    return jsonify({"error": {"code": code, "message": message, "status": status}}), code


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _certificate(key: rsa.RSAPrivateKey) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "stand-in.googleapis.test")])
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .sign(key, hashes.SHA256())
    )


def subject_of(email: str) -> str:
    """The stable numeric `sub` the stand-in gives an account unless a test passes its own."""
    return str(int(hashlib.sha256(email.lower().encode()).hexdigest(), 16) % 10**21)


def other_key() -> rsa.RSAPrivateKey:
    """A key Google never published, to forge signatures with."""
    return _new_key()
