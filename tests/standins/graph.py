"""Loopback HTTPS stand-in for Entra's on-behalf-of token endpoint and Graph's `/v1.0/me/messages/{id}`.

msal only accepts `https://` authorities, so the stand-in serves TLS with a throwaway self-signed
certificate for 127.0.0.1; a requests session trusts it after `standin.trust(session)`.

Typical use::

    with GraphStandIn(upstream=idp.authority) as graph:
        graph.add_message(TENANT, oid, "AAMk-1", "Text in the mailbox")
        settings = {
            ..., "ms_authority": graph.url, "graph_url": graph.url, "ms_client_secret": graph.client_secret
        }

With `upstream`, sign-in discovery (`/common/...`, `/organizations/...` and the key sets) is forwarded
to that identity provider, so one authority serves both the API's token validation and the
exchange, as login.microsoftonline.com does.
"""

from __future__ import annotations

import collections
import datetime
import ipaddress
import secrets
import ssl
import tempfile
from pathlib import Path

import jwt
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from flask import Flask, jsonify, request

from tests.standins.idp import CLIENT_ID, LoopbackServer, LoopbackStandIn

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
SHARED_PREFIXES = ("/common/", "/organizations/")


class GraphStandIn(LoopbackStandIn):
    """Entra's token endpoint (on-behalf-of grant only) and Graph's message read, recording every call."""

    def __init__(
        self,
        upstream: str | None = None,
        client_id: str = CLIENT_ID,
        client_secret: str = "graph-test-secret",
        token_lifetime: int = 3600,
    ):
        self.upstream, self.client_id, self.client_secret = upstream, client_id, client_secret
        self.token_lifetime = token_lifetime
        self.consent_missing = False  # when True the exchange fails as AADSTS65001 does
        self.exchanges: list[dict] = []  # one per token request: tenant (from the URL), tid, oid, scope
        self.reads: list[dict] = []  # one per Graph read: item id, $select, Prefer header
        self.discovery: collections.Counter[str] = collections.Counter()  # tenant -> discovery fetches
        self.mailboxes: dict[tuple[str, str], dict[str, dict]] = {}  # (tid, oid) -> item id -> message
        self._tokens: dict[str, tuple[str, str]] = {}  # Graph token -> (tid, oid)
        self._dir = tempfile.TemporaryDirectory(prefix="graph-standin-")
        self.ca_file = str(Path(self._dir.name) / "cert.pem")
        context = _tls_context(Path(self._dir.name))
        self._server = LoopbackServer(self._app(), ssl_context=context)
        self.url = self._server.url

    def stop(self) -> None:
        """Stop answering and delete the throwaway certificate."""
        super().stop()
        self._dir.cleanup()

    def trust(self, session: requests.Session) -> requests.Session:
        """Make `session` trust the stand-in's certificate, with no environment setting overriding that."""
        session.verify = self.ca_file
        session.trust_env = False  # REQUESTS_CA_BUNDLE would otherwise win over session.verify
        return session

    def add_message(
        self,
        tid: str,
        oid: str,
        item_id: str,
        text: str,
        subject: str = "Re: pricing",
        internet_message_id: str = "<standin@mail.example>",
    ) -> None:
        """Put a message in one user's mailbox under its Graph REST id."""
        self.mailboxes.setdefault((tid, oid), {})[item_id] = {
            "id": item_id,
            "subject": subject,
            "internetMessageId": internet_message_id,
            "text": text,
        }

    # --- the WSGI app ----------------------------------------------------------------------

    def _app(self) -> Flask:
        app = Flask(__name__)
        app.add_url_rule("/<tenant>/v2.0/.well-known/openid-configuration", "discovery", self._discovery)
        app.add_url_rule("/<tenant>/oauth2/v2.0/token", "token", self._token, methods=["POST"])
        app.add_url_rule("/v1.0/me/messages/<path:item_id>", "message", self._message)
        app.before_request(self._forward_shared)
        return app

    def _forward_shared(self):
        """Multi-tenant discovery and keys belong to the upstream identity provider."""
        if self.upstream and request.path.startswith(SHARED_PREFIXES):
            upstream = requests.get(self.upstream + request.path, timeout=5)
            return upstream.json(), upstream.status_code
        return None

    def _discovery(self, tenant: str):
        self.discovery[tenant] += 1
        base = f"{self.url}/{tenant}"
        return {
            "issuer": f"{base}/v2.0",
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "jwks_uri": f"{self.url}/common/discovery/v2.0/keys",
            "id_token_signing_alg_values_supported": ["RS256"],
        }

    def _token(self, tenant: str):
        form = request.form
        claims = jwt.decode(form.get("assertion", ""), options={"verify_signature": False})
        self.exchanges.append(
            {
                "tenant": tenant,
                "tid": claims.get("tid"),
                "oid": claims.get("oid"),
                "scope": form.get("scope", ""),
                "grant_type": form.get("grant_type"),
            }
        )
        if (
            form.get("grant_type") != JWT_BEARER
            or form.get("requested_token_use") != "on_behalf_of"
            or form.get("client_id") != self.client_id
            or form.get("client_secret") != self.client_secret
        ):
            return _oauth_error("invalid_client", 7000215, "Invalid client secret provided.", 401)
        if claims.get("aud") != self.client_id or claims.get("tid") != tenant:
            return _oauth_error("invalid_grant", 50013, "Assertion failed signature validation.")
        if self.consent_missing:
            return _oauth_error(
                "invalid_grant", 65001, "The user or administrator has not consented to use the app."
            )
        token = "graph-" + secrets.token_urlsafe(24)
        self._tokens[token] = (claims["tid"], claims["oid"])
        return {
            "token_type": "Bearer",
            "scope": form.get("scope", ""),
            "expires_in": self.token_lifetime,
            "ext_expires_in": self.token_lifetime,
            "access_token": token,
        }

    def _message(self, item_id: str):
        user = self._tokens.get(request.headers.get("Authorization", "").removeprefix("Bearer "))
        if user is None:
            return _graph_error("InvalidAuthenticationToken", "Access token validation failure.", 401)
        prefer = request.headers.get("Prefer", "")
        self.reads.append({"item_id": item_id, "select": request.args.get("$select"), "prefer": prefer})
        message = self.mailboxes.get(user, {}).get(item_id)
        if message is None:
            return _graph_error("ErrorItemNotFound", "The specified object was not found in the store.", 404)
        text = 'outlook.body-content-type="text"' in prefer
        content = message["text"] if text else f"<html><body><p>{message['text']}</p></body></html>"
        return {
            "id": item_id,
            "subject": message["subject"],
            "internetMessageId": message["internetMessageId"],
            "body": {"contentType": "text" if text else "html", "content": content},
        }


def _oauth_error(code: str, aadsts: int, description: str, status: int = 400):
    return jsonify(
        {"error": code, "error_description": f"AADSTS{aadsts}: {description}", "error_codes": [aadsts]}
    ), status


def _graph_error(code: str, message: str, status: int):
    return jsonify({"error": {"code": code, "message": message}}), status


def _tls_context(folder: Path) -> ssl.SSLContext:
    """A server context with a fresh self-signed certificate for 127.0.0.1, written to `folder/cert.pem`."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    return context
