"""Acting as the rep in Salesforce: JWT bearer per rep, or the rep's own web-server + PKCE connection.

Docs: https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_jwt_flow.htm and
https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_web_server_flow.htm
"""
from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from urllib.parse import urlencode

import jwt
from cryptography.hazmat.primitives import serialization

from addin_api.config import SettingsError
from addin_api.crm.port import CrmAuthError
from addin_api.crm.salesforce.client import SalesforceClient, SfSession
from addin_api.crm.salesforce.tokens import TokenStore
from addin_api.domain import Principal

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ASSERTION_SECONDS = 170  # Salesforce accepts an exp at most 3 minutes ahead; keep a margin for clock skew
SCOPES = "api refresh_token"


def build_auth(settings, client: SalesforceClient, engine) -> "JwtBearerAuth | WebServerAuth":
    """JWT bearer when a private key is configured, else per-rep web-server connections."""
    if not settings.salesforce_client_id:
        raise SettingsError("ADDIN_SALESFORCE_CLIENT_ID is required for the Salesforce CRM")
    if not settings.salesforce_private_key_path:
        try:
            store = TokenStore(engine, settings.secret_key)
        except ValueError as exc:
            raise SettingsError(str(exc)) from None
        return WebServerAuth(client, settings.salesforce_login_url, settings.salesforce_client_id,
                             settings.salesforce_client_secret, store)
    try:  # load now so a bad key fails at start-up, not at the first rep's sidebar open
        with open(settings.salesforce_private_key_path, "rb") as f:
            key = serialization.load_pem_private_key(f.read(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise SettingsError(f"ADDIN_SALESFORCE_PRIVATE_KEY_PATH: not a readable unencrypted PEM key ({exc})") from None
    try:
        usernames = parse_username_map(settings.salesforce_username_map)
    except ValueError as exc:
        raise SettingsError(f"ADDIN_SALESFORCE_USERNAME_MAP: {exc}") from None
    return JwtBearerAuth(client, settings.salesforce_login_url, settings.salesforce_client_id, key, usernames)


def parse_username_map(raw: str) -> dict[str, str]:
    """The ADDIN_SALESFORCE_USERNAME_MAP JSON object, keys lower-cased; ValueError if malformed."""
    if not raw.strip():
        return {}
    mapping = json.loads(raw)
    if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
        raise ValueError("expected a JSON object of mailbox address → Salesforce username")
    return {k.strip().lower(): v.strip() for k, v in mapping.items()}


def username_for(rep: Principal, mapping: dict[str, str]) -> str:
    """The rep's Salesforce username: the mapped one, else the mailbox address itself."""
    return mapping.get(rep.email.lower(), rep.email)


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge) for one authorization request."""
    verifier = secrets.token_urlsafe(64)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class _Auth:
    """Per-rep access-token cache; subclasses say how to get a new token."""

    def __init__(self, client: SalesforceClient, login_url: str, client_id: str):
        self.client = client
        self.login_url = login_url.rstrip("/")
        self.client_id = client_id
        self._sessions: dict[str, SfSession] = {}
        self._lock = threading.Lock()

    @property
    def token_url(self) -> str:
        """The OAuth token endpoint of the login host."""
        return f"{self.login_url}/services/oauth2/token"

    def session(self, rep: Principal, fresh: bool = False) -> SfSession:
        """A cached session for the rep; `fresh` after a 401 INVALID_SESSION_ID forces a new token."""
        with self._lock:
            cached = None if fresh else self._sessions.get(rep.key)
        if cached is not None:
            return cached
        new = self._mint(rep)
        with self._lock:
            self._sessions[rep.key] = new
        return new

    def _mint(self, rep: Principal) -> SfSession:
        raise NotImplementedError


class JwtBearerAuth(_Auth):
    """Server-signed assertions naming each rep; no refresh tokens, a new assertion when a session ends."""

    def __init__(self, client: SalesforceClient, login_url: str, client_id: str, private_key,
                 usernames: dict[str, str]):
        super().__init__(client, login_url, client_id)
        self._key = private_key  # a cryptography RSA key object, or PEM text
        self.usernames = usernames

    def assertion(self, rep: Principal) -> str:
        """RS256 JWT: iss = consumer key, sub = the rep's username, aud = login host, exp ≤ 3 min."""
        claims = {"iss": self.client_id, "sub": username_for(rep, self.usernames), "aud": self.login_url,
                  "exp": int(time.time()) + ASSERTION_SECONDS}
        return jwt.encode(claims, self._key, algorithm="RS256")

    def _mint(self, rep: Principal) -> SfSession:
        body = self.client.token(self.token_url, {"grant_type": JWT_GRANT, "assertion": self.assertion(rep)})
        return _session(body)


class WebServerAuth(_Auth):
    """Each rep connects once (authorization code + PKCE); their refresh token is kept encrypted."""

    def __init__(self, client: SalesforceClient, login_url: str, client_id: str, client_secret: str,
                 store: TokenStore):
        super().__init__(client, login_url, client_id)
        self.client_secret = client_secret
        self.store = store

    def authorize_url(self, redirect_uri: str, state: str, code_challenge: str) -> str:
        """Where to send the rep's browser to connect their Salesforce account."""
        query = {"response_type": "code", "client_id": self.client_id, "redirect_uri": redirect_uri,
                 "scope": SCOPES, "state": state, "code_challenge": code_challenge,
                 "code_challenge_method": "S256"}
        return f"{self.login_url}/services/oauth2/authorize?{urlencode(query)}"

    def exchange_code(self, rep: Principal, code: str, redirect_uri: str, code_verifier: str) -> SfSession:
        """Trade the callback's code for tokens; stores the refresh token and caches the session."""
        body = self.client.token(self.token_url, {
            "grant_type": "authorization_code", "code": code, "client_id": self.client_id,
            "client_secret": self.client_secret, "redirect_uri": redirect_uri, "code_verifier": code_verifier})
        if not body.get("refresh_token"):
            raise CrmAuthError("Salesforce issued no refresh token: add the refresh_token scope to the app")
        self.store.save(rep.key, body["refresh_token"], body["instance_url"])
        session = _session(body)
        with self._lock:
            self._sessions[rep.key] = session
        return session

    def _mint(self, rep: Principal) -> SfSession:
        stored = self.store.load(rep.key)
        if stored is None:
            raise CrmAuthError("Connect your Salesforce account first")
        refresh_token, _ = stored
        try:
            body = self.client.token(self.token_url, {
                "grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": self.client_id,
                "client_secret": self.client_secret})
        except CrmAuthError:
            self.store.forget(rep.key)  # revoked or expired: the rep has to reconnect
            raise
        if body.get("refresh_token") and body["refresh_token"] != refresh_token:  # rotation is on
            self.store.save(rep.key, body["refresh_token"], body["instance_url"])
        return _session(body)


def _session(body: dict) -> SfSession:
    # `id` is https://login…/id/<org id>/<user id>; always use the returned instance_url as the API host.
    return SfSession(body["access_token"], body["instance_url"].rstrip("/"), body.get("id", "").rsplit("/", 1)[-1])
