"""Verify each add-on request with google-auth: Google's system ID token, then the rep's userIdToken.

The bearer proves Google sent the call for our deployment (audience = the URL as written in
deployment.json, email = the add-on's service agent); the user ID token names the rep.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
import time

import google.auth.transport.requests
from google.auth import exceptions as google_errors
from google.auth import transport
from google.oauth2 import id_token

from addin_api.domain import Principal
from addin_api.errors import ServiceUnavailable, Unauthorized

log = logging.getLogger(__name__)
ISSUERS = frozenset({"accounts.google.com", "https://accounts.google.com"})
CLOCK_SKEW_SECONDS = 10
CERTS_TTL_SECONDS = (60, 6 * 3600)  # bounds on Google's max-age
UNKNOWN_KID_REFETCH_SECONDS = 30  # a token with an unknown key id refetches at most this often


class GoogleVerifier:
    """Turns a verified add-on request into the rep's Principal; anything doubtful is Unauthorized."""

    def __init__(self, settings, http):
        self.settings = settings
        inner = google.auth.transport.requests.Request(session=http)
        self.certs = CachedCerts(inner, settings.google_certs_url, timeout=settings.crm_timeout_seconds)

    def rep_of(self, authorization: str | None, event: dict | None, called_url: str) -> Principal:
        """The rep behind a request Google sent to `called_url`; raises Unauthorized otherwise."""
        s = self.settings
        if not (s.google_addon_service_account and s.google_oauth_client_id and s.google_allowed_domains):
            raise Unauthorized("The Gmail add-on is not configured on this server.")
        system = self._claims(_bearer(authorization), called_url)
        if system.get("email") != s.google_addon_service_account or not _verified(system):
            raise Unauthorized("The request was not sent by this add-on's Google service account.")
        user_token = ((event or {}).get("authorizationEventObject") or {}).get("userIdToken")
        if not isinstance(user_token, str) or not user_token:
            raise Unauthorized("The request carries no user ID token.")
        return _principal(self._claims(user_token, s.google_oauth_client_id), s.google_allowed_domains)

    def _claims(self, token: str, audience: str) -> dict:
        self.certs.expect(_kid(token))
        try:
            claims = id_token.verify_token(
                token,
                self.certs,
                audience=audience,
                certs_url=self.settings.google_certs_url,
                clock_skew_in_seconds=CLOCK_SKEW_SECONDS,
            )
        except google_errors.TransportError:
            log.warning("google signing certificates could not be fetched")
            raise ServiceUnavailable("Google's signing certificates could not be fetched.") from None
        except (ValueError, google_errors.GoogleAuthError) as exc:
            # Only the kind of failure: some google-auth messages quote the token itself.
            log.info("google id token refused (%s)", type(exc).__name__)
            raise Unauthorized("The Google ID token is not valid.") from None
        if claims.get("iss") not in ISSUERS:  # verify_token leaves the issuer to us
            raise Unauthorized("The Google ID token is not valid.")
        return claims


class CachedCerts(transport.Request):
    """A google-auth transport that keeps the certificate document for Google's max-age."""

    def __init__(self, inner: transport.Request, url: str, timeout: float, clock=time.monotonic):
        self.inner, self.url, self.timeout, self.clock = inner, url, timeout, clock
        self._lock = threading.Lock()
        self._response, self._kids, self._fetched, self._expires = None, frozenset(), 0.0, 0.0

    def __call__(self, url, method="GET", body=None, headers=None, timeout=None, **kwargs):
        """Answer GETs of the certificate URL from memory while fresh; pass anything else through."""
        if method != "GET" or url != self.url:
            return self.inner(
                url, method=method, body=body, headers=headers, timeout=timeout or self.timeout, **kwargs
            )
        with self._lock:
            if self._response is not None and self.clock() < self._expires:
                return self._response
        response = self.inner(url, method="GET", headers=headers, timeout=timeout or self.timeout, **kwargs)
        if response.status == 200:
            self._keep(response)
        return response

    def expect(self, kid: str | None) -> None:
        """Drop the cache when a token names a key it lacks (Google rotated keys), at most every 30 s."""
        with self._lock:
            stale = self.clock() - self._fetched >= UNKNOWN_KID_REFETCH_SECONDS
            if kid and self._response is not None and kid not in self._kids and stale:
                self._response = None

    def _keep(self, response) -> None:
        try:
            document = json.loads(response.data)
        except ValueError:
            return
        keys = document.get("keys") if isinstance(document, dict) else None
        kids = {k.get("kid") for k in keys} if isinstance(keys, list) else set(document)
        match = re.search(r"max-age=(\d+)", response.headers.get("cache-control", "") or "")
        low, high = CERTS_TTL_SECONDS
        ttl = min(max(int(match.group(1)) if match else low, low), high)
        with self._lock:
            now = self.clock()
            self._response, self._kids, self._fetched, self._expires = (
                response,
                frozenset(kids),
                now,
                now + ttl,
            )


def _bearer(authorization: str | None) -> str:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("The request carries no Google ID token.")
    return token.strip()


def _kid(token: str) -> str | None:
    try:
        head = token.split(".", 1)[0]
        kid = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4))).get("kid")
    except (ValueError, AttributeError):
        return None
    return kid if isinstance(kid, str) else None


def _verified(claims: dict) -> bool:
    return claims.get("email_verified") in (True, "true")


def _principal(claims: dict, allowed_domains) -> Principal:
    email = str(claims.get("email") or "").lower()
    if not email or not _verified(claims) or not claims.get("sub"):
        raise Unauthorized("The Google account has no verified email address.")
    # Only `hd` proves a Workspace account: a consumer Google account may carry a company address.
    domain = str(claims.get("hd") or "").lower()
    if not domain:
        raise Unauthorized("Sign in with your organisation's Google Workspace account.")
    if domain not in {d.lower() for d in allowed_domains}:
        raise Unauthorized(f"Accounts of {domain} may not use this add-on.")
    name = str(claims.get("name") or "")
    return Principal(email, subject=str(claims["sub"]), tenant="google", name=name, org=domain)
