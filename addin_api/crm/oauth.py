"""OAuth helpers shared by the CRM connectors: PKCE pairs for the authorization-code flow."""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import urlencode


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge) for one authorization request (RFC 7636)."""
    verifier = secrets.token_urlsafe(64)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize_url(
    page: str, client_id: str, redirect_uri: str, scope: str, state: str, challenge: str
) -> str:
    """An authorization-code request with an S256 PKCE challenge, sent to the CRM's consent `page`."""
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": scope,
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    return f"{page}?{urlencode(query)}"
