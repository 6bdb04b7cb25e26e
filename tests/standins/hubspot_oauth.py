"""HubSpot's OAuth endpoints for the stand-in: consent page, token (code + PKCE, refresh), introspection.

Wire formats (OAuth 2026-03): `POST /oauth/2026-03/token` (form) answers `{token_type, access_token,
refresh_token, expires_in, hub_id, user_id, scopes}` or 400 `{"error": "invalid_grant", "error_description",
"status": "BAD_REFRESH_TOKEN", "message"}`; `POST /oauth/2026-03/token/introspect` (form: client id and
secret, `token`) answers `{active, token_use, user, user_id, hub_id, client_id, scopes, expires_in}`. The
consent page `GET /oauth/authorize` sends the browser back to `redirect_uri` with `code` and `state`.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import urlencode

CLIENT_ID, CLIENT_SECRET = "hs-standin-client", "hs-standin-secret"
HUB_ID = 4242
BAD_REFRESH = {
    "error": "invalid_grant",
    "error_description": "refresh token is invalid, expired or revoked",
    "status": "BAD_REFRESH_TOKEN",
    "message": "refresh token is invalid, expired or revoked",
}


class OAuthEndpoints:
    """Mixed into HubSpotStandin; expects `owners` (users are owners with a `userId`)."""

    def _init_oauth(self) -> None:
        self.browser_user = ""  # who is signed in to HubSpot in the browser sent to the consent page
        self.sessions: dict[str, str] = {}  # access token → user email
        self.refresh_tokens: dict[str, str] = {}  # refresh token → user email
        self.codes: dict[str, dict] = {}

    # --- test controls -------------------------------------------------------------------

    def oauth_overrides(self) -> dict:
        """Settings for per-rep OAuth connections to this stand-in (no account token)."""
        return {
            "hubspot_access_token": "",
            "hubspot_client_id": CLIENT_ID,
            "hubspot_client_secret": CLIENT_SECRET,
            "hubspot_auth_url": f"{self.url}/oauth/authorize",
        }

    def expire_access_tokens(self) -> None:
        """Every access token stops working (as after its 30 minutes); refresh tokens still do."""
        self.sessions.clear()

    def uninstall_for(self, email: str) -> None:
        """The user's connection is revoked: their refresh and access tokens stop working."""
        for table in (self.refresh_tokens, self.sessions):
            for token in [t for t, who in table.items() if who == email]:
                del table[token]

    def user_of(self, authorization: str) -> str | None:
        """The user an API call's bearer token acts as, or None for an unknown token."""
        return self.sessions.get(authorization.removeprefix("Bearer "))

    # --- endpoints -----------------------------------------------------------------------

    def _oauth(self, request) -> tuple[int, object, dict] | None:
        """Answer an OAuth request, or None if it is not one."""
        if request.path == "/oauth/authorize" and request.method == "GET":
            return self._authorize(request.args)
        if request.path == "/oauth/2026-03/token" and request.method == "POST":
            return (*self._token(request.form), {})
        if request.path == "/oauth/2026-03/token/introspect" and request.method == "POST":
            return (*self._introspect(request.form), {})
        return None

    def _authorize(self, args) -> tuple[int, object, dict]:
        user = self._user(self.browser_user)
        if args.get("client_id") != CLIENT_ID or args.get("code_challenge_method") != "S256" or not user:
            return 400, {"status": "error", "message": "invalid authorization request"}, {}
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"email": user["email"], "challenge": args["code_challenge"], **args}
        query = urlencode({"code": code, "state": args.get("state", "")})
        return 302, "", {"Location": f"{args['redirect_uri']}?{query}"}

    def _token(self, form) -> tuple[int, dict]:
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return 400, {"error": "invalid_client", "error_description": "client credentials are invalid"}
        grant = form.get("grant_type")
        if grant == "authorization_code":
            email, refresh = self._code_user(form), secrets.token_urlsafe(32)
        elif grant == "refresh_token":
            refresh = form.get("refresh_token", "")
            email = self.refresh_tokens.get(refresh)
        else:
            return 400, {"error": "unsupported_grant_type", "error_description": "grant type not supported"}
        if email is None:
            return 400, BAD_REFRESH
        access = secrets.token_urlsafe(24)
        self.sessions[access], self.refresh_tokens[refresh] = email, email
        body = {
            "token_type": "bearer",
            "access_token": access,
            "refresh_token": refresh,
            "expires_in": 1800,
            "hub_id": HUB_ID,
            "user_id": self._user(email)["userId"],
            "scopes": ["oauth", "crm.objects.deals.read", "crm.objects.deals.write"],
        }
        return 200, body

    def _introspect(self, form) -> tuple[int, dict]:
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return 400, {"error": "invalid_client", "error_description": "client credentials are invalid"}
        email = self.sessions.get(form.get("token", ""))
        if email is None:
            return 200, {"active": False}
        return 200, {
            "active": True,
            "token_use": "access_token",
            "user": email,
            "user_id": self._user(email)["userId"],
            "hub_id": HUB_ID,
            "client_id": CLIENT_ID,
            "scopes": ["oauth"],
            "expires_in": 1800,
            "token_type": "bearer",
        }

    def _code_user(self, form) -> str | None:
        grant = self.codes.pop(form.get("code", ""), None)
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        ok = grant and form.get("redirect_uri") == grant["redirect_uri"] and challenge == grant["challenge"]
        return grant["email"] if ok else None

    def _user(self, email: str) -> dict | None:
        return next((o for o in self.owners if o["email"].lower() == (email or "").lower()), None)
