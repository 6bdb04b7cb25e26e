"""Entra ID access tokens → Principal: RS256 only, per-tenant issuer, audience, lifetime and scope."""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import jwt
import requests

from addin_api.config import GUID, Settings
from addin_api.domain import Principal
from addin_api.errors import Forbidden, ServiceUnavailable, Unauthorized

log = logging.getLogger(__name__)

LEEWAY_SECONDS = 60
KEYS_MAX_AGE_SECONDS = 24 * 3600
MIN_REFRESH_SECONDS = 60  # caps IdP calls however many unknown `kid`s arrive
RETRY_AFTER_FAILURE_SECONDS = 5  # during an IdP outage, one attempt per window instead of one per request
MAX_TOKEN_CHARS = 16384
VALIDATED_CACHE_SIZE = 10_000  # tokens of distinct sign-ins kept per process; the least recently used go
TENANT_PLACEHOLDER = "{tenantid}"
MSA_CONSUMER_TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad"
DISCOVERY_PATHS = {
    "1.0": "/common/.well-known/openid-configuration",
    "2.0": "/common/v2.0/.well-known/openid-configuration",
}
_BEARER = re.compile(r"^Bearer +([A-Za-z0-9\-._~+/]+=*) *$", re.IGNORECASE)  # RFC 6750 b64token


def invalid_token(description: str) -> Unauthorized:
    """A 401 whose challenge names the reason; `description` must be a fixed text, never token data."""
    log.info("Entra access token rejected: %s", description)
    return Unauthorized(
        f"sign-in failed: {description}",
        challenge=f'Bearer error="invalid_token", error_description="{description}"',
    )


def bearer_token(authorization_header: str | None) -> str:
    """The token of an `Authorization: Bearer …` header; Unauthorized when absent or malformed."""
    if not authorization_header or not authorization_header.strip().lower().startswith("bearer"):
        # RFC 6750 §3.1: a request without credentials gets a bare challenge, no error code.
        raise Unauthorized("sign-in required", challenge="Bearer")
    match = _BEARER.match(authorization_header.strip())
    if not match:
        raise invalid_token("the Authorization header is not a bearer token")
    return match.group(1)


@dataclass(frozen=True)
class _SigningKey:
    """One usable key of a JWKS with its optional `issuer` template."""

    jwk: jwt.PyJWK
    issuer: str | None


@dataclass(frozen=True)
class _KeySet:
    """A snapshot of one discovery document's issuer template and signing keys."""

    issuer: str
    keys: Mapping[str, _SigningKey]
    fetched_at: float


def _usable_keys(jwks: dict) -> dict[str, _SigningKey]:
    """RSA signature keys by `kid`; others are skipped so one odd key cannot break sign-in."""
    keys = {}
    for data in jwks["keys"]:
        if not isinstance(data, dict) or data.get("kty") != "RSA":
            continue
        if data.get("use", "sig") != "sig" or data.get("alg", "RS256") != "RS256":
            continue
        try:
            keys[str(data["kid"])] = _SigningKey(jwt.PyJWK(data, algorithm="RS256"), data.get("issuer"))
        except (KeyError, jwt.PyJWTError):
            log.warning("skipping a malformed key in the Entra JWKS")
    return keys


class _KeyCache:
    """Discovery document and JWKS of one token version: cached, refreshed daily or on an unknown kid."""

    def __init__(
        self, discovery_url: str, http: requests.Session, timeout: float, clock: Callable[[], float]
    ):
        self._url, self._http, self._timeout, self._clock = discovery_url, http, timeout, clock
        self._lock = threading.Lock()
        self._current: _KeySet | None = None
        self._next_attempt = float("-inf")

    def published(self, kid: str) -> _SigningKey | None:
        """The key for `kid` in the current snapshot, if it is still fresh (never fetches)."""
        current = self._current
        if current is None or self._wants_refresh(current, kid):
            return None
        return current.keys[kid]

    def lookup(self, kid: str) -> tuple[str, _SigningKey | None]:
        """The issuer template and the key for `kid` (None if unknown even after a permitted refresh)."""
        current = self._current
        if not self._wants_refresh(current, kid):
            return current.issuer, current.keys[kid]
        with self._lock:  # one refresh at a time; the others reuse its result
            current = self._refreshed(kid)
        return current.issuer, current.keys.get(kid)

    def _wants_refresh(self, current: _KeySet | None, kid: str) -> bool:
        return (
            current is None
            or kid not in current.keys
            or self._clock() - current.fetched_at >= KEYS_MAX_AGE_SECONDS
        )

    def _refreshed(self, kid: str) -> _KeySet:
        current, now = self._current, self._clock()
        if not self._wants_refresh(current, kid) or now < self._next_attempt:
            if current is None:
                raise ServiceUnavailable("sign-in service unreachable")
            return current
        try:
            self._current = current = self._fetch(now)
            self._next_attempt = now + MIN_REFRESH_SECONDS
        except (requests.RequestException, ValueError, KeyError, TypeError) as exc:
            self._next_attempt = now + RETRY_AFTER_FAILURE_SECONDS
            log.warning("Entra keys could not be fetched via %s (%s)", self._url, type(exc).__name__)
            if current is None:
                raise ServiceUnavailable("sign-in service unreachable") from None
        return current

    def _fetch(self, now: float) -> _KeySet:
        metadata = self._get_json(self._url)
        keys = _usable_keys(self._get_json(metadata["jwks_uri"]))
        return _KeySet(issuer=str(metadata["issuer"]), keys=keys, fetched_at=now)

    def _get_json(self, url: str) -> dict:
        response = self._http.get(url, timeout=self._timeout)
        response.raise_for_status()
        body = response.json()
        if not isinstance(body, dict):
            raise ValueError("expected a JSON object")
        return body


@dataclass(frozen=True)
class _Validated:
    """A token that passed every check: who it names, until when, and the key that signed it."""

    principal: Principal
    exp: float
    ver: str
    kid: str
    key: _SigningKey


class _ValidatedTokens:
    """Tokens already validated, by SHA-256 of the token (never the token), least recently used dropped."""

    def __init__(self, size: int):
        self._size, self._lock = size, threading.Lock()
        self._entries: OrderedDict[bytes, _Validated] = OrderedDict()

    @staticmethod
    def key(token: str) -> bytes:
        """The cache key of a token."""
        return hashlib.sha256(token.encode()).digest()

    def get(self, key: bytes) -> _Validated | None:
        """The entry of a validated token, if kept."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: bytes, entry: _Validated) -> None:
        """Keep an entry, dropping the least recently used beyond the size."""
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def drop(self, key: bytes) -> None:
        """Forget an entry (expired, or its key is no longer published)."""
        with self._lock:
            self._entries.pop(key, None)


class EntraValidator:
    """Validates Entra (v1 and v2) access tokens for this API and turns them into a Principal."""

    def __init__(self, settings: Settings, http: requests.Session, clock: Callable[[], float] = time.time):
        self._settings, self._clock = settings, clock
        self._audiences = [settings.ms_client_id, settings.app_id_uri] if settings.ms_client_id else []
        self._allowed = {t.lower() for t in settings.ms_allowed_tenants}
        authority = settings.ms_authority.rstrip("/")
        self._keys = {
            ver: _KeyCache(authority + path, http, settings.crm_timeout_seconds, clock)
            for ver, path in DISCOVERY_PATHS.items()
        }
        self._validated = _ValidatedTokens(VALIDATED_CACHE_SIZE)

    def validate(self, token: str) -> Principal:
        """The rep a valid token names; Unauthorized, Forbidden (scope) or ServiceUnavailable otherwise.

        A token seen before is accepted without a signature check while it is unexpired and the key that
        signed it is still published (same snapshot rules as a first validation); otherwise it is
        validated in full again.
        """
        if not self._audiences:
            log.error("Entra sign-in is not configured: ADDIN_MS_CLIENT_ID is empty")
            raise invalid_token("Outlook sign-in is not configured on this server")
        cache_key = _ValidatedTokens.key(token)
        if (principal := self._cached(cache_key)) is not None:
            return principal
        kid, ver = self._peek(token)
        issuer_template, key = self._keys[ver].lookup(kid)
        if key is None:
            raise invalid_token("the signing key is not recognised")
        claims = self._verified_claims(token, key.jwk)
        self._check_issuer(claims, issuer_template, key.issuer)
        self._check_lifetime(claims)
        self._check_scope(claims)
        principal = _principal(claims)
        self._validated.put(cache_key, _Validated(principal, _numeric_date(claims, "exp"), ver, kid, key))
        return principal

    def _cached(self, cache_key: bytes) -> Principal | None:
        """The principal of an already validated token that is still unexpired and signed by a live key."""
        entry = self._validated.get(cache_key)
        if entry is None:
            return None
        if (
            entry.exp <= self._clock() - LEEWAY_SECONDS
            or self._keys[entry.ver].published(entry.kid) is not entry.key
        ):
            self._validated.drop(
                cache_key
            )  # expired, rotated out or keys due a refresh: the full path decides
            return None
        return entry.principal

    def _peek(self, token: str) -> tuple[str, str]:
        """`kid` and `ver` read before the signature check, only to pick the key set."""
        if not token or len(token) > MAX_TOKEN_CHARS:
            raise invalid_token("the token is malformed")
        try:
            header = jwt.get_unverified_header(token)
            claims = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise invalid_token("the token is malformed") from None
        if header.get("alg") != "RS256":
            raise invalid_token("the token must be signed with RS256")
        ver = claims.get("ver")
        if not isinstance(header.get("kid"), str) or not isinstance(ver, str) or ver not in self._keys:
            raise invalid_token("the token is not an Entra access token")
        return header["kid"], ver

    def _verified_claims(self, token: str, key: jwt.PyJWK) -> dict[str, Any]:
        # Lifetime is checked by hand against the injected clock, which PyJWT cannot use.
        options = {
            "verify_exp": False,
            "verify_nbf": False,
            "verify_iat": False,
            "require": ["exp", "iss", "aud"],
        }
        try:
            return jwt.decode(token, key, algorithms=["RS256"], audience=self._audiences, options=options)
        except jwt.InvalidAudienceError:
            raise invalid_token("the token is not meant for this API") from None
        except jwt.InvalidSignatureError:
            raise invalid_token("the signature does not verify") from None
        except jwt.MissingRequiredClaimError:
            raise invalid_token("the token lacks a required claim") from None
        except jwt.PyJWTError:
            raise invalid_token("the token is invalid") from None

    def _check_issuer(self, claims: dict, issuer_template: str, key_issuer: str | None) -> None:
        tid = claims.get("tid")
        if not isinstance(tid, str) or not GUID.match(tid):
            raise invalid_token("the token has no valid tenant id")
        if not self._tenant_allowed(tid.lower()):
            raise invalid_token("your organisation is not allowed to use this add-in")
        if claims["iss"] != issuer_template.replace(TENANT_PLACEHOLDER, tid):
            raise invalid_token("the token issuer does not match its tenant")
        if key_issuer and claims["iss"] != key_issuer.replace(TENANT_PLACEHOLDER, tid):
            raise invalid_token("the signing key does not belong to the token issuer")

    def _tenant_allowed(self, tid: str) -> bool:
        # Only listed tenants (settings refuse `*`): the embedded CRM holds every deal of the company.
        return tid in self._allowed

    def _check_lifetime(self, claims: dict) -> None:
        now = self._clock()
        if _numeric_date(claims, "exp") <= now - LEEWAY_SECONDS:
            raise invalid_token("the token has expired")
        if "nbf" in claims and _numeric_date(claims, "nbf") > now + LEEWAY_SECONDS:
            raise invalid_token("the token is not valid yet")

    def _check_scope(self, claims: dict) -> None:
        required = self._settings.ms_required_scope
        scopes = claims.get("scp")
        if not isinstance(scopes, str) or required not in scopes.split(" "):
            raise Forbidden(
                f"the access token lacks the {required} scope",
                www_authenticate=f'Bearer error="insufficient_scope", scope="{required}"',
            )


def _numeric_date(claims: dict, name: str) -> float:
    value = claims.get(name)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise invalid_token("the token has an invalid time claim")
    return float(value)


def _principal(claims: dict) -> Principal:
    """The rep in verified claims; Entra keys users by oid+tid, the address is for display and CRM lookup."""
    oid = claims.get("oid")
    if not isinstance(oid, str) or not GUID.match(oid):
        raise invalid_token("the token does not name a user")
    # Never the optional `email` claim: it can hold an address the tenant never verified ("nOAuth"),
    # and the address decides edit rights and the CRM identity. preferred_username (v2) / upn (v1) are
    # the tenant's own sign-in names.
    email = next((v for v in map(claims.get, ("preferred_username", "upn")) if isinstance(v, str) and v), "")
    if not email:
        raise invalid_token("the token does not name a mailbox")
    name = claims.get("name")
    return Principal(
        email=email.lower(),
        subject=oid,
        tenant=claims["tid"],
        name=name if isinstance(name, str) else "",
        org=claims["tid"],
    )
