"""Acting as the rep in Salesforce: JWT bearer per rep, or the rep's own web-server + PKCE connection.

Docs: https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_jwt_flow.htm and
https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_web_server_flow.htm
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import defaultdict

import jwt
from cryptography.hazmat.primitives import serialization

from addin_api.config import SettingsError
from addin_api.crm.oauth import authorize_url, pkce_pair
from addin_api.crm.port import CrmAuthError, CrmError, CrmWrongAccount
from addin_api.crm.salesforce.client import InvalidGrant, SalesforceClient, SfSession
from addin_api.crm.shared_cache import SharedCache
from addin_api.crm.tokens import TokenStore
from addin_api.domain import Principal

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ASSERTION_SECONDS = 170  # Salesforce accepts an exp at most 3 minutes ahead; keep a margin for clock skew
SCOPES = "api id refresh_token"  # id: the identity URL, to check who actually signed in
# Token answers carry no expiry (the org's session timeout decides, 2 hours by default). A shared
# session older than this is minted again; a dead one before that costs one 401 and one renewal.
SHARED_SESSION_SECONDS = 3600.0

log = logging.getLogger(__name__)


WrongAccount = CrmWrongAccount  # the Salesforce user who signed in is not the one the connection is for
__all__ = ["WrongAccount", "pkce_pair", "build_auth"]


def build_auth(
    settings, client: SalesforceClient, engine, shared: SharedCache | None = None
) -> JwtBearerAuth | WebServerAuth:
    """JWT bearer when a private key is configured, else per-rep web-server connections."""
    if not settings.salesforce_client_id:
        raise SettingsError("ADDIN_SALESFORCE_CLIENT_ID is required for the Salesforce CRM")
    try:  # both modes: JWT names the user, a web-server connection must come back as that user
        usernames = parse_username_map(settings.salesforce_username_map)
    except ValueError as exc:
        raise SettingsError(f"ADDIN_SALESFORCE_USERNAME_MAP: {exc}") from None
    if not settings.salesforce_private_key_path:
        try:
            store = TokenStore(engine, settings.secret_key, "salesforce")
        except ValueError as exc:
            raise SettingsError(str(exc)) from None
        return WebServerAuth(
            client,
            settings.salesforce_login_url,
            settings.salesforce_client_id,
            settings.salesforce_client_secret,
            store,
            usernames,
            shared=shared,
        )
    try:  # load now so a bad key fails at start-up, not at the first rep's sidebar open
        with open(settings.salesforce_private_key_path, "rb") as f:
            key = serialization.load_pem_private_key(f.read(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise SettingsError(
            f"ADDIN_SALESFORCE_PRIVATE_KEY_PATH: not a readable unencrypted PEM key ({exc})"
        ) from None
    return JwtBearerAuth(
        client, settings.salesforce_login_url, settings.salesforce_client_id, key, usernames, shared=shared
    )


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


class _Auth:
    """Per-rep access tokens in memory, then in the shared cache; subclasses say how to get a new one."""

    mint_writes_store = True  # getting a token saves something (a rotated refresh token) in the store

    def __init__(
        self, client: SalesforceClient, login_url: str, client_id: str, shared: SharedCache | None = None
    ):
        self.client = client
        self.login_url = login_url.rstrip("/")
        self.client_id = client_id
        self.shared = shared  # None: this process's memory only
        self._sessions: dict[str, SfSession] = {}
        self._lock = threading.Lock()
        self._rep_locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)

    @property
    def token_url(self) -> str:
        """The OAuth token endpoint of the login host."""
        return f"{self.login_url}/services/oauth2/token"

    def session(self, rep: Principal, fresh: bool = False) -> SfSession:
        """A cached session for the rep; `fresh` after a 401 INVALID_SESSION_ID forces a new token."""
        with self._lock:
            seen = self._sessions.get(rep.key)
        if seen is not None and not fresh:
            return seen
        # One mint per rep at a time: two refreshes of one rotating refresh token make Salesforce refuse
        # the second, and that refusal would look like a revoked connection.
        with self._rep_lock(rep):
            with self._lock:
                current = self._sessions.get(rep.key)
            if current is not None and current is not seen:  # renewed by another thread while we waited
                return current
            # Another worker's token, unless it is the one just refused: then this worker renews it.
            borrowed = self._shared_session(rep)
            if borrowed is not None and borrowed != seen:
                self._cache(rep, borrowed)
                return borrowed
            new = self._renewed(rep, seen)
            self._cache(rep, new)
            return new

    def _renewed(self, rep: Principal, refused: SfSession | None) -> SfSession:
        """A new session, shared with the other workers."""
        if self.shared is None:
            return self._mint(rep)
        if self.mint_writes_store:  # it must not run under the shared cache's lock (SQLite: a write lock)
            new = self._mint(rep)
            self.shared.put(_session_key(rep), _sealable(new), SHARED_SESSION_SECONDS, secret=True)
            return new
        minted: list[SfSession] = []

        def mint() -> dict:
            minted.append(self._mint(rep))
            return _sealable(minted[0])

        entry = self.shared.get_or_fetch(  # one sign-in for all workers that miss together
            _session_key(rep),
            mint,
            SHARED_SESSION_SECONDS,
            secret=True,
            stale=lambda value: refused is not None and value["access_token"] == refused.access_token,
        )
        return minted[0] if minted else SfSession(**entry.value, borrowed=True)

    def _shared_session(self, rep: Principal) -> SfSession | None:
        entry = self.shared.get(_session_key(rep), secret=True) if self.shared is not None else None
        return SfSession(**entry.value, borrowed=True) if entry is not None else None

    def _rep_lock(self, rep: Principal) -> threading.Lock:
        with self._lock:
            return self._rep_locks[rep.key]

    def _cache(self, rep: Principal, session: SfSession) -> None:
        with self._lock:
            self._sessions[rep.key] = session

    def _mint(self, rep: Principal) -> SfSession:
        raise NotImplementedError


class JwtBearerAuth(_Auth):
    """Server-signed assertions naming each rep; no refresh tokens, a new assertion when a session ends."""

    mint_writes_store = False  # so a sign-in can run under the shared cache's lock: one for all workers

    def __init__(
        self,
        client: SalesforceClient,
        login_url: str,
        client_id: str,
        private_key,
        usernames: dict[str, str],
        *,
        shared: SharedCache | None = None,
    ):
        super().__init__(client, login_url, client_id, shared)
        self._key = private_key  # a cryptography RSA key object, or PEM text
        self.usernames = usernames

    def assertion(self, rep: Principal) -> str:
        """RS256 JWT: iss = consumer key, sub = the rep's username, aud = login host, exp ≤ 3 min."""
        claims = {
            "iss": self.client_id,
            "sub": username_for(rep, self.usernames),
            "aud": self.login_url,
            "exp": int(time.time()) + ASSERTION_SECONDS,
        }
        return jwt.encode(claims, self._key, algorithm="RS256")

    def _mint(self, rep: Principal) -> SfSession:
        body = self.client.token(self.token_url, {"grant_type": JWT_GRANT, "assertion": self.assertion(rep)})
        return _session(body)


class WebServerAuth(_Auth):
    """Each rep connects once (authorization code + PKCE); their refresh token is kept encrypted."""

    def __init__(
        self,
        client: SalesforceClient,
        login_url: str,
        client_id: str,
        client_secret: str,
        store: TokenStore,
        usernames: dict[str, str] | None = None,
        *,
        shared: SharedCache | None = None,
    ):
        super().__init__(client, login_url, client_id, shared)
        self.client_secret = client_secret
        self.store = store
        self.usernames = usernames or {}

    def authorize_url(self, redirect_uri: str, state: str, code_challenge: str) -> str:
        """Where to send the rep's browser to connect their Salesforce account."""
        page = f"{self.login_url}/services/oauth2/authorize"
        return authorize_url(page, self.client_id, redirect_uri, SCOPES, state, code_challenge)

    def use_ticket(self, ticket_id: str, max_age: float) -> bool:
        """Record a connect link as opened; False if it was opened before (links are single-use)."""
        return self.store.use_ticket(ticket_id, max_age)

    def exchange_code(self, rep: Principal, code: str, redirect_uri: str, code_verifier: str) -> SfSession:
        """Trade the callback's code for tokens; kept only if the rep's own Salesforce user signed in."""
        body = self.client.token(
            self.token_url,
            {
                "grant_type": "authorization_code",
                "code": code,
                "client_id": self.client_id,
                "client_secret": self.client_secret,
                "redirect_uri": redirect_uri,
                "code_verifier": code_verifier,
            },
        )
        try:
            if not body.get("refresh_token"):
                raise CrmAuthError(
                    "Salesforce issued no refresh token: add the refresh_token scope to the app"
                )
            # Whoever started the flow, the browser may belong to someone else (a forwarded link): the
            # tokens are stored for the rep only if Salesforce says the rep's own username signed in.
            if not body.get("id"):
                raise CrmAuthError("Salesforce did not say who signed in")
            signed_in = str(self.client.identity(body["id"], body["access_token"]).get("username") or "")
            expected = username_for(rep, self.usernames)
            if signed_in.lower() != expected.lower():
                raise WrongAccount(signed_in, expected)
        except CrmError:
            self._revoke(body.get("refresh_token") or body["access_token"])
            raise
        session = _session(body)
        with self._rep_lock(rep):  # not between another thread's refresh and its save
            self.store.save(rep.key, body["refresh_token"], body["instance_url"])
            self._cache(rep, session)
        return session

    def _revoke(self, token: str) -> None:
        # A refresh token takes its access tokens along. Best effort: the token is not kept either way.
        try:
            if self.client.revoke(f"{self.login_url}/services/oauth2/revoke", token):
                return
        except CrmError:
            pass
        log.warning("salesforce token revocation failed; an admin can revoke the unused connection in Setup")

    def _mint(self, rep: Principal) -> SfSession:
        for last_try in (False, True):
            stored = self.store.load(rep.key)
            if stored is None:
                raise CrmAuthError("Connect your Salesforce account first")
            try:
                body = self.client.token(
                    self.token_url,
                    {
                        "grant_type": "refresh_token",
                        "refresh_token": stored.refresh_token,
                        "client_id": self.client_id,
                        "client_secret": self.client_secret,
                    },
                )
            except InvalidGrant:
                # Revoked or expired, unless another worker rotated the token meanwhile: then the stored
                # ciphertext differs, nothing is deleted and the newer token is tried once.
                if self.store.forget(rep.key, stored.sealed) or last_try:
                    raise
                continue
            if body.get("refresh_token") and body["refresh_token"] != stored.refresh_token:  # rotation is on
                self.store.save(rep.key, body["refresh_token"], body["instance_url"])
            return _session(body)


def _session_key(rep: Principal) -> str:
    return f"session:{rep.key}"


def _sealable(session: SfSession) -> dict:
    return {
        "access_token": session.access_token,
        "instance_url": session.instance_url,
        "user_id": session.user_id,
    }


def _session(body: dict) -> SfSession:
    # `id` is https://login…/id/<org id>/<user id>; always use the returned instance_url as the API host.
    return SfSession(
        body["access_token"], body["instance_url"].rstrip("/"), body.get("id", "").rsplit("/", 1)[-1]
    )
