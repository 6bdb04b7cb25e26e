"""Reads the open message from Graph as the rep (msal on-behalf-of), so the logged copy is the mailbox's."""

from __future__ import annotations

import html
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import requests

from addin_api.config import Settings
from addin_api.domain import Principal
from addin_api.errors import Forbidden, ServiceUnavailable, Unprocessable

log = logging.getLogger(__name__)

EXPIRY_MARGIN_SECONDS = 120  # a token this close to expiry is renewed rather than sent
MAX_CACHED_USERS = 10000
CONSENT_ERRORS = {"invalid_grant", "interaction_required", "consent_required"}
MESSAGE_FIELDS = "body,internetMessageId,subject"
_TAG = re.compile(r"<[^>]+>")


class GraphReadError(ServiceUnavailable):
    """The mailbox could not be read right now; nothing was logged, so a retry is safe."""


@dataclass(frozen=True)
class _GraphToken:
    """A Graph access token of one rep and when to stop using it."""

    value: str
    renew_at: float


class GraphMessageReader:
    """Exchanges the rep's API token for a Graph token (cached per rep) and reads one message's text."""

    def __init__(self, settings: Settings, http: requests.Session, clock: Callable[[], float] = time.time):
        self._settings, self._http, self._clock = settings, http, clock
        self._graph = settings.graph_url.rstrip("/")
        self._apps: dict[str, object] = {}  # tenant id -> msal app (tenant discovery happens once)
        self._tokens: dict[str, _GraphToken] = {}  # Principal.key (tid:oid) -> Graph token
        self._lock = threading.Lock()

    @classmethod
    def from_state(cls, state) -> GraphMessageReader:
        """A reader sharing the app's settings and pooled HTTP session."""
        return cls(state.settings, state.http)

    def read(
        self, access_token: str, rep: Principal, item_id: str | None, message_id: str | None = None
    ) -> str | None:
        """The message's plain-text body from the rep's mailbox; None when the taskpane sent no item id.

        With `message_id`, the mailbox's message must carry that Message-ID, so one email's body is
        never logged under another's.
        """
        if not item_id:
            return None
        response = self._get_message(self._token_for(access_token, rep), item_id)
        if response.status_code == 401:  # revoked or rotated early: exchange once more
            self._forget(rep)
            response = self._get_message(self._token_for(access_token, rep), item_id)
        message = _checked(response)
        if message_id and str(message.get("internetMessageId") or "").strip() != message_id.strip():
            raise Unprocessable("The open email changed while it was being logged. Open it again and retry.")
        return _body_text(message)

    def _token_for(self, access_token: str, rep: Principal) -> str:
        cached = self._tokens.get(rep.key)
        if cached and cached.renew_at > self._clock():
            return cached.value
        result = self._exchange(access_token, rep)
        lifetime = float(result.get("expires_in", 0))
        token = _GraphToken(result["access_token"], self._clock() + lifetime - EXPIRY_MARGIN_SECONDS)
        with self._lock:
            if len(self._tokens) >= MAX_CACHED_USERS:
                now = self._clock()
                self._tokens = {k: v for k, v in self._tokens.items() if v.renew_at > now}
            self._tokens[rep.key] = token
        return token.value

    def _exchange(self, access_token: str, rep: Principal) -> dict:
        scopes = [f"{self._graph}/Mail.Read"]
        try:
            result = self._app(rep.tenant).acquire_token_on_behalf_of(
                user_assertion=access_token, scopes=scopes
            )
        except (requests.RequestException, ValueError) as exc:
            log.warning("Graph on-behalf-of exchange failed to reach the authority (%s)", type(exc).__name__)
            raise GraphReadError(
                "We could not reach Microsoft to read this email. Try again in a minute."
            ) from None
        if "access_token" in result:
            return result
        # error codes only: descriptions can name the user, and the assertion is never logged
        log.warning(
            "Graph on-behalf-of exchange refused: %s %s", result.get("error"), result.get("error_codes")
        )
        if result.get("error") in CONSENT_ERRORS:
            raise Forbidden(
                "Your organisation has not allowed this add-in to read mail (Mail.Read). "
                "Ask your Microsoft 365 admin to grant consent.",
                reason="graph_consent",
            )
        raise GraphReadError(
            "We could not get permission from Microsoft to read this email. Try again later."
        )

    def _app(self, tenant: str):
        with self._lock:
            app = self._apps.get(tenant)
        if app is None:
            app = self._build_app(tenant)
            with self._lock:
                app = self._apps.setdefault(tenant, app)
        return app

    def _build_app(self, tenant: str):
        import msal  # only servers with Graph configured pay for the import

        s = self._settings
        return msal.ConfidentialClientApplication(
            s.ms_client_id,
            client_credential=client_credential(s),
            # The token's own tenant, never /common: guests are exchanged in the tenant that issued the token.
            authority=f"{s.ms_authority.rstrip('/')}/{tenant}",
            http_client=self._http,
            # The authority comes from our settings, not the request: sovereign clouds and test stand-ins
            # need no lookup in Microsoft's host list (tenant discovery still queries the authority itself).
            instance_discovery=False,
        )

    def _get_message(self, token: str, item_id: str) -> requests.Response:
        url = f"{self._graph}/v1.0/me/messages/{quote(item_id, safe='')}"
        headers = {"Authorization": f"Bearer {token}", "Prefer": 'outlook.body-content-type="text"'}
        try:
            return self._http.get(url, params={"$select": MESSAGE_FIELDS}, headers=headers)
        except requests.RequestException as exc:
            log.warning("Graph message read failed (%s)", type(exc).__name__)
            raise GraphReadError(
                "We could not reach Microsoft to read this email. Try again in a minute."
            ) from None

    def _forget(self, rep: Principal) -> None:
        with self._lock:
            self._tokens.pop(rep.key, None)


def _checked(response: requests.Response) -> dict:
    """Graph's JSON on success; else a rep-readable error (Graph's error code is logged, never its body)."""
    if response.ok:
        return response.json()
    code = _graph_error_code(response)
    log.warning("Graph message read answered %s %s", response.status_code, code)
    if response.status_code == 404:
        raise Unprocessable(
            "This email was not found in your mailbox (moved or deleted?). Open it again and retry.",
            reason="message_not_found",
        )
    if response.status_code == 403:
        raise Forbidden("Microsoft did not let this add-in read your mailbox.", reason="graph_forbidden")
    raise GraphReadError("Microsoft could not hand over this email right now. Try again in a minute.")


def _graph_error_code(response: requests.Response) -> str:
    try:
        return str(response.json()["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return "-"


def client_credential(settings: Settings) -> str | dict:
    """The API app's msal credential: the certificate (private key + SHA-1 thumbprint) if set, else secret."""
    if not settings.ms_client_certificate_path:
        return settings.ms_client_secret
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization

    pem = Path(settings.ms_client_certificate_path).read_bytes()
    cert = x509.load_pem_x509_certificate(pem)
    key = serialization.load_pem_private_key(pem, password=None)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return {"private_key": key_pem, "thumbprint": cert.fingerprint(hashes.SHA1()).hex()}


def _body_text(message: dict) -> str:
    """The body as text; HTML is flattened in case Graph ignored the Prefer header."""
    body = message.get("body") or {}
    content = str(body.get("content") or "")
    if str(body.get("contentType", "text")).lower() == "html":
        content = html.unescape(_TAG.sub(" ", content))
    return content
