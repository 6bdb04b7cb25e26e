"""Acting as the rep in HubSpot: the account's app token, or each rep's own OAuth connection (code + PKCE).

Docs: https://developers.hubspot.com/docs/api-reference/2026-03/authentication/oauth-tokens/refresh-oauth-token
(`POST /oauth/2026-03/token`, form-encoded; errors `{"error": "invalid_grant", ...}` as in RFC 6749) and
.../token-introspect (`POST /oauth/2026-03/token/introspect`: `user` is the signed-in user's email).
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable

import requests

from addin_api.crm.oauth import authorize_url
from addin_api.crm.port import CrmAuthError, CrmUnavailable, CrmWrongAccount
from addin_api.crm.shared_cache import SharedCache
from addin_api.crm.tokens import TokenStore
from addin_api.domain import Principal

OAUTH = "/oauth/2026-03"
# What the add-in reads and writes (emails are logged under the contacts scope); `oauth` is HubSpot's own.
SCOPES = (
    "oauth crm.objects.contacts.read crm.objects.contacts.write crm.objects.deals.read "
    "crm.objects.deals.write crm.objects.companies.read crm.objects.companies.write crm.objects.owners.read "
    "sales-email-read"
)
EXPIRY_MARGIN = 60.0  # seconds: renew an access token this long before HubSpot says it expires


class InvalidGrant(CrmAuthError):
    """OAuth `invalid_grant`: the refresh token (or code) is revoked, expired or unknown."""


class AppToken:
    """The account's app token (service key or private app): every rep acts through it as the app."""

    def __init__(self, token: str):
        self._token = token

    def token(self, rep: Principal, stale: str | None = None) -> str:
        """The one token; there is nothing to renew when HubSpot refuses it."""
        if stale is not None:
            raise CrmAuthError("HubSpot refused the app's access token (ADDIN_HUBSPOT_ACCESS_TOKEN)")
        return self._token


class OAuthConnection:
    """Each rep connects their own HubSpot user once; their refresh token is kept encrypted.

    Access tokens (30 minutes) stay in memory and, sealed, in the shared cache for the other workers;
    renewed shortly before they expire or after a 401.
    """

    def __init__(
        self,
        http: requests.Session,
        settings,
        store: TokenStore,
        *,
        clock: Callable[[], float] = time.monotonic,
        shared: SharedCache | None = None,
    ):
        self.http, self.store, self.clock, self.shared = http, store, clock, shared
        self.api_url = settings.hubspot_api_url.rstrip("/")
        self.auth_url, self.portal = settings.hubspot_auth_url, settings.hubspot_portal_id
        self.client_id, self.client_secret = settings.hubspot_client_id, settings.hubspot_client_secret
        self.timeout = settings.crm_timeout_seconds
        self._cache: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()
        self._rep_locks: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)

    # --- CrmConnector ------------------------------------------------------------------

    def authorize_url(self, redirect_uri: str, state: str, code_challenge: str) -> str:
        """HubSpot's consent page for the app, with our scopes and the PKCE challenge."""
        return authorize_url(self.auth_url, self.client_id, redirect_uri, SCOPES, state, code_challenge)

    def use_ticket(self, ticket_id: str, max_age: float) -> bool:
        """Record a connect link as opened; False if it was opened before (links are single-use)."""
        return self.store.use_ticket(ticket_id, max_age)

    def exchange_code(self, rep: Principal, code: str, redirect_uri: str, code_verifier: str) -> str:
        """Trade the code for tokens; kept only if the rep's own HubSpot user, in our account, signed in."""
        body = self._token_call(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": code_verifier,
            }
        )
        if not body.get("refresh_token"):
            raise CrmAuthError("HubSpot issued no refresh token")
        # A forwarded link opened by a colleague must not connect the colleague's user to this rep.
        who = self._introspect(body["access_token"])
        signed_in = str(who.get("user") or "")
        if signed_in.lower() != rep.email.lower():
            raise CrmWrongAccount(signed_in, rep.email)
        hub = str(who.get("hub_id") or body.get("hub_id") or "")
        if self.portal and hub != self.portal:
            raise CrmAuthError(
                f"you chose HubSpot account {hub}; the add-in works with account {self.portal}"
            )
        with self._rep_lock(rep):
            self.store.save(rep.key, body["refresh_token"], hub)
            self._remember(rep, body)
        return hub

    # --- Credentials -------------------------------------------------------------------

    def token(self, rep: Principal, stale: str | None = None) -> str:
        """The rep's access token: cached, or renewed with their refresh token (once per rep at a time)."""
        current = self._cached(rep)
        if current and current != stale:
            return current
        with self._rep_lock(rep):
            current = self._cached(rep)
            if current and current != stale:  # renewed by another thread while we waited
                return current
            # Another worker's token, unless it is the one just refused: then this worker renews it.
            entry = self.shared.get(_token_key(rep), secret=True) if self.shared is not None else None
            if entry is not None and entry.value != stale:
                return self._remember(
                    rep, {"access_token": entry.value, "expires_in": entry.seconds_left}, 0.0
                )
            token = self._refresh(rep)
            if self.shared is not None:
                with self._lock:
                    left = self._cache[rep.key][1] - self.clock()
                self.shared.put(_token_key(rep), token, left, secret=True)
            return token

    # --- helpers -----------------------------------------------------------------------

    def _refresh(self, rep: Principal) -> str:
        for last_try in (False, True):
            stored = self.store.load(rep.key)
            if stored is None:
                raise CrmAuthError("Connect your HubSpot account first")
            try:
                body = self._token_call(
                    {"grant_type": "refresh_token", "refresh_token": stored.refresh_token}
                )
            except InvalidGrant:
                # Revoked (app uninstalled, user removed), unless another worker saved a newer one meanwhile.
                if self.store.forget(rep.key, stored.sealed) or last_try:
                    raise
                continue
            if body.get("refresh_token") and body["refresh_token"] != stored.refresh_token:
                self.store.save(rep.key, body["refresh_token"], stored.instance_url)
            return self._remember(rep, body)
        raise CrmAuthError("Connect your HubSpot account again")  # not reached: the loop returns or raises

    def _remember(self, rep: Principal, body: dict, margin: float = EXPIRY_MARGIN) -> str:
        expires = self.clock() + max(0.0, float(body.get("expires_in") or 1800) - margin)
        with self._lock:
            self._cache[rep.key] = (body["access_token"], expires)
        return body["access_token"]

    def _cached(self, rep: Principal) -> str | None:
        with self._lock:
            token, expires = self._cache.get(rep.key, ("", 0.0))
        return token if token and expires > self.clock() else None

    def _rep_lock(self, rep: Principal) -> threading.Lock:
        with self._lock:
            return self._rep_locks[rep.key]

    def _token_call(self, form: dict) -> dict:
        form = {**form, "client_id": self.client_id, "client_secret": self.client_secret}
        body, status = self._post(f"{self.api_url}{OAUTH}/token", form)
        if status < 300 and "access_token" in body:
            return body
        if body.get("error") == "invalid_grant":  # the only answer that means "connect again"
            raise InvalidGrant("HubSpot refused the connection: it was revoked or has expired")
        raise CrmAuthError(f"HubSpot refused the sign-in ({body.get('error') or status})")

    def _introspect(self, access_token: str) -> dict:
        form = {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "token": access_token,
            "token_type_hint": "access_token",
        }
        body, status = self._post(f"{self.api_url}{OAUTH}/token/introspect", form)
        if status >= 300 or not body.get("active", True):
            raise CrmAuthError("HubSpot did not say who signed in")
        return body

    def _post(self, url: str, form: dict) -> tuple[dict, int]:
        try:
            resp = self.http.post(
                url, data=form, headers={"Accept": "application/json"}, timeout=self.timeout
            )
        except requests.RequestException:
            raise CrmUnavailable("HubSpot did not answer") from None
        if resp.status_code == 429 or resp.status_code >= 500:  # throttled or down: the grant may be fine
            raise CrmUnavailable(f"HubSpot sign-in is unavailable ({resp.status_code})")
        try:
            body = resp.json()
        except ValueError:
            body = {}
        return (body if isinstance(body, dict) else {}), resp.status_code


def _token_key(rep: Principal) -> str:
    return f"token:{rep.key}"
