"""Loopback stand-in for Microsoft Entra ID: v1/v2 discovery, JWKS, and real RS256 tokens for tests.

Typical use::

    with TestIdentityProvider() as idp:
        settings = load_settings({}, {"secret_key": SECRET_KEY, **idp.settings_overrides()})
        token = idp.mint(email="rep@demo.example")
        # send `Authorization: Bearer <token>` to the API under test

Documents follow Microsoft's shapes: the v2 issuer template is `{authority}/{tenantid}/v2.0`,
the v1 one `{authority}/sts/{tenantid}/` (Microsoft's `https://sts.windows.net/{tenantid}/`
moved under the stand-in), and v2 JWKS keys carry an `issuer` template while v1 keys do not.
"""

from __future__ import annotations

import base64
import collections
import hashlib
import hmac
import json
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, abort, request
from jwt.algorithms import RSAAlgorithm
from werkzeug.serving import make_server

TENANT = "3c8a5e21-9d4f-4b6a-8e17-6f2d0c9b5a48"
OTHER_TENANT = "b2d4f6a8-1c3e-4a5b-9d7f-0e2c4a6b8d1f"
CLIENT_ID = "e1b7c3d9-4a2f-4e8b-b65c-0d9f8a7e3c12"
APP_ID_URI = f"api://{CLIENT_ID}"  # Settings' default App ID URI for CLIENT_ID
SCOPE = "access_as_user"
PLACEHOLDER = "{tenantid}"
V2_KEYS_PATH = "/common/discovery/v2.0/keys"
V1_KEYS_PATH = "/common/discovery/keys"


def oid_for(email: str) -> str:
    """The stable object id the stand-in gives a mailbox unless a test passes its own."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"mailto:{email.lower()}"))


class LoopbackServer:
    """Serves a WSGI app on 127.0.0.1 (free port, daemon thread); `.url` is known before `start()`."""

    def __init__(self, app: Callable, ssl_context=None):
        self._server = make_server("127.0.0.1", 0, app, threaded=True, ssl_context=ssl_context)
        scheme = "https" if ssl_context else "http"
        self.url = f"{scheme}://127.0.0.1:{self._server.server_port}"
        self._thread: threading.Thread | None = None

    def start(self) -> LoopbackServer:
        """Begin answering requests."""
        # A short poll interval keeps stop() fast: shutdown waits for the serving loop's next poll.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name=f"loopback {self.url}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


class LoopbackStandIn:
    """Start/stop and `with` for a stand-in that serves itself through `self._server` (a LoopbackServer)."""

    _server: LoopbackServer

    def start(self):
        """Begin answering on loopback."""
        self._server.start()
        return self

    def stop(self) -> None:
        """Stop answering and release the port."""
        self._server.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


class TestIdentityProvider(LoopbackStandIn):
    """An Entra look-alike on loopback that signs tokens with keys it publishes, counting every fetch."""

    __test__ = False  # a helper, not a pytest test class, despite its name

    def __init__(self, clock: Callable[[], float] = time.time):
        self.clock = clock
        self.outage = False  # when True every endpoint answers 503, as an unreachable IdP would
        self.requests: collections.Counter[str] = collections.Counter()  # path -> times fetched
        self._lock = threading.Lock()
        self._key, self.kid = _new_key()
        self._server = LoopbackServer(self._app())
        self.authority = self._server.url
        self.v2_issuer = f"{self.authority}/{PLACEHOLDER}/v2.0"
        self.v1_issuer = f"{self.authority}/sts/{PLACEHOLDER}/"
        self.key_issuer: str | None = self.v2_issuer  # `issuer` on v2 JWKS keys; None leaves it out

    @property
    def jwks_requests(self) -> int:
        """How often any JWKS (v1 or v2) was fetched."""
        return self.requests[V2_KEYS_PATH] + self.requests[V1_KEYS_PATH]

    @property
    def discovery_requests(self) -> int:
        """How often any OpenID discovery document was fetched."""
        return sum(n for path, n in self.requests.items() if path.endswith("/openid-configuration"))

    def settings_overrides(self) -> dict[str, Any]:
        """Settings that make the API trust this stand-in for TENANT and CLIENT_ID."""
        return {"ms_authority": self.authority, "ms_client_id": CLIENT_ID, "ms_allowed_tenants": (TENANT,)}

    def issuer(self, ver: str = "2.0", tid: str = TENANT) -> str:
        """The `iss` Entra would put in a token of this version for this tenant."""
        return (self.v2_issuer if ver == "2.0" else self.v1_issuer).replace(PLACEHOLDER, tid)

    def rotate_key(self) -> str:
        """Replace the signing key (new kid, old key no longer published); returns the new kid."""
        with self._lock:
            self._key, self.kid = _new_key()
        return self.kid

    def public_pem(self) -> bytes:
        """The current public key as PEM, e.g. to forge an HS256 token 'signed' with it."""
        return self._key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def mint(
        self,
        email: str | None = "rep@demo.example",
        tid: str = TENANT,
        oid: str | None = None,
        ver: str = "2.0",
        scp: str | None = SCOPE,
        aud: str | None = None,
        iss: str | None = None,
        kid: str | None = None,
        exp_delta: int = 3600,
        nbf_delta: int = 0,
        extra: dict[str, Any] | None = None,
        alg: str = "RS256",
    ) -> str:
        """An Entra-style access token (v2: `preferred_username`, v1: `upn`), signed with the current key.

        Defaults: aud = CLIENT_ID (v2) or APP_ID_URI (v1); iss = `issuer(ver, tid)`; oid = `oid_for(email)`.
        `email=None` or `scp=None` leave those claims out; `extra` adds claims, and a None value removes one.
        `alg="none"` gives an unsigned token, `alg="HS…"` an HMAC over the public key PEM (key-confusion
        attack), any other algorithm is signed with the RSA key.
        """
        claims = self._claims(email, tid, oid or oid_for(email or ""), ver, scp, exp_delta, nbf_delta)
        claims["aud"] = aud or (CLIENT_ID if ver == "2.0" else APP_ID_URI)
        claims["iss"] = iss or self.issuer(ver, tid)
        for name, value in (extra or {}).items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        return self._sign({"typ": "JWT", "alg": alg, "kid": kid or self.kid}, claims)

    def _claims(self, email, tid, oid, ver, scp, exp_delta, nbf_delta) -> dict[str, Any]:
        now = int(self.clock())
        claims: dict[str, Any] = {
            "iat": now,
            "nbf": now + nbf_delta,
            "exp": now + exp_delta,
            "tid": tid,
            "oid": oid,
            "sub": oid,
            "ver": ver,
            "name": "Test Rep",
        }
        claims["azp" if ver == "2.0" else "appid"] = CLIENT_ID
        if scp is not None:
            claims["scp"] = scp
        if email is not None:
            claims.update(
                {"preferred_username": email} if ver == "2.0" else {"upn": email, "unique_name": email}
            )
        return claims

    def _sign(self, header: dict[str, Any], claims: dict[str, Any]) -> str:
        alg = header["alg"]
        if alg == "none" or alg.startswith("HS"):
            signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
            if alg == "none":
                return signing_input + "."
            mac = hmac.new(self.public_pem(), signing_input.encode(), getattr(hashlib, "sha" + alg[2:]))
            return f"{signing_input}.{_b64(mac.digest())}"
        with self._lock:
            key = self._key
        return jwt.encode(claims, key, algorithm=alg, headers={k: v for k, v in header.items() if k != "alg"})

    def _jwks(self, with_issuer: bool) -> dict[str, Any]:
        with self._lock:
            key, kid = self._key, self.kid
        jwk = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
        entry = {"kty": "RSA", "use": "sig", "kid": kid, "x5t": kid, "n": jwk["n"], "e": jwk["e"]}
        if with_issuer and self.key_issuer:
            entry["issuer"] = self.key_issuer
        return {"keys": [entry]}

    def _metadata(self, issuer_template: str, keys_path: str, tenant: str) -> dict[str, Any]:
        segment = PLACEHOLDER if tenant in {"common", "organizations"} else tenant
        return {
            "issuer": issuer_template.replace(PLACEHOLDER, segment),
            "jwks_uri": self.authority + keys_path,
            "token_endpoint": f"{self.authority}/{tenant}/oauth2/v2.0/token",
            "id_token_signing_alg_values_supported": ["RS256"],
        }

    def _count(self) -> None:
        with self._lock:
            self.requests[request.path] += 1
        if self.outage:
            abort(503)

    def _app(self) -> Flask:
        app = Flask(__name__)
        app.before_request(self._count)
        routes = {
            "/<tenant>/v2.0/.well-known/openid-configuration": lambda tenant: self._metadata(
                self.v2_issuer, V2_KEYS_PATH, tenant
            ),
            "/<tenant>/.well-known/openid-configuration": lambda tenant: self._metadata(
                self.v1_issuer, V1_KEYS_PATH, tenant
            ),
            V2_KEYS_PATH: lambda: self._jwks(with_issuer=True),
            V1_KEYS_PATH: lambda: self._jwks(with_issuer=False),
        }
        for n, (rule, view) in enumerate(routes.items()):
            app.add_url_rule(rule, endpoint=f"route{n}", view_func=view)
        return app


def _new_key() -> tuple[rsa.RSAPrivateKey, str]:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048), secrets.token_urlsafe(16)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
