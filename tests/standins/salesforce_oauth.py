"""Salesforce stand-in's login host: token (JWT bearer, code + PKCE, refresh), authorize, identity, revoke.

Wire formats: token answers `{access_token, instance_url, id, …}` or `{"error", "error_description"}`; the
identity URL `GET {login}/id/<org id>/<user id>` with a bearer token answers `{id, user_id, organization_id,
username, email, …}`; `POST /services/oauth2/revoke` with form `token=` answers 200, or 400
`{"error": "invalid_token"}`; revoking a refresh token ends its access tokens too.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from urllib.parse import urlencode

import jwt

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
CLIENT_ID, CLIENT_SECRET = "3MVG9standin.client", "standin-secret"


class OAuthEndpoints:
    """Mixed into SalesforceStandin; expects `org`, `url`, `instance_url`, `public_key_pem` and token maps."""

    def _init_oauth(self) -> None:
        self.sessions: dict[str, str] = {}  # access token → username
        self.refresh_tokens: dict[str, str] = {}  # refresh token → username
        self.token_family: dict[str, str] = {}  # access token → the refresh token it came from
        self.codes: dict[str, dict] = {}
        self.jwt_subjects: list[str] = []
        self.revoked: list[str] = []
        self.browser_user = ""  # who "logs in" when a browser is sent to /services/oauth2/authorize
        self.rotate_refresh_tokens = False  # the app's "refresh token rotation" policy

    def _oauth(self, request) -> tuple[int, object, dict] | None:
        """Answer a login-host request, or None if it is not one."""
        path, method = request.path, request.method
        if path in {"/services/oauth2/token", "/services/oauth2/revoke"} and method == "POST":
            fault = self.api.take(f"{method} {path}", delays=False)
            if fault:
                return (
                    fault.status,
                    (
                        {"error": fault.code, "error_description": fault.message}
                        if fault.code
                        else fault.message
                    ),
                    {},
                )
            return (
                *(self._token(request.form) if path.endswith("token") else self._revoke(request.form)),
                {},
            )
        if path == "/services/oauth2/authorize":
            return self._authorize(request.args)
        if path.startswith("/id/") and method == "GET":
            return (*self._identity(path, request.headers.get("Authorization", "")), {})
        return None

    def _token(self, form) -> tuple[int, dict]:
        grant, family = form.get("grant_type"), None
        if grant == JWT_GRANT:
            username = self._assertion_user(form.get("assertion", ""))
        elif grant == "authorization_code":
            username = self._code_user(form)
        elif grant == "refresh_token":
            family = form.get("refresh_token", "")
            username = self.refresh_tokens.get(family) if self._client_ok(form) else None
        else:
            return 400, {"error": "unsupported_grant_type", "error_description": "grant type not supported"}
        if username is None:
            return 400, {"error": "invalid_grant", "error_description": "authentication failure"}
        token = secrets.token_urlsafe(24)
        self.sessions[token] = username
        user = next(u for u in self.org.rows("User") if u["Username"] == username)
        org_id = self.org.rows("Organization")[0]["Id"]
        body = {
            "access_token": token,
            "instance_url": self.instance_url,
            "token_type": "Bearer",
            "id": f"{self.url}/id/{org_id}/{user['Id']}",
            "scope": "api id refresh_token",
            "issued_at": str(int(time.time() * 1000)),
            "signature": "standin",
        }
        if grant == "authorization_code" or (family and self.rotate_refresh_tokens):
            if family:  # rotation: the used refresh token stops working
                self.refresh_tokens.pop(family, None)
            family = body["refresh_token"] = secrets.token_urlsafe(32)
            self.refresh_tokens[family] = username
        if family:
            self.token_family[token] = family
        return 200, body

    def _identity(self, path: str, authorization: str) -> tuple[int, object]:
        username = self.sessions.get(authorization.removeprefix("Bearer "))
        if username is None:
            return 403, "Bad_OAuth_Token"
        _, _, org_id, user_id = path.split("/", 3)
        user = next((u for u in self.org.rows("User") if u["Id"] == user_id), None)
        if user is None:
            return 404, "Not Found"
        return 200, {
            "id": f"{self.url}{path}",
            "asserted_user": user["Username"] == username,
            "user_id": user_id,
            "organization_id": org_id,
            "username": user["Username"],
            "display_name": user["Name"],
            "email": user["Email"],
            "active": True,
            "user_type": "STANDARD",
        }

    def _revoke(self, form) -> tuple[int, object]:
        token = form.get("token", "")
        if token in self.refresh_tokens:
            del self.refresh_tokens[token]
            for access in [a for a, family in self.token_family.items() if family == token]:
                self.sessions.pop(access, None)
        elif token in self.sessions:
            del self.sessions[token]
        else:
            return 400, {"error": "invalid_token", "error_description": "invalid token"}
        self.revoked.append(token)
        return 200, ""

    def _assertion_user(self, assertion: str) -> str | None:
        try:
            claims = jwt.decode(
                assertion,
                self.public_key_pem,
                algorithms=["RS256"],
                audience=self.url,
                issuer=CLIENT_ID,
                options={"require": ["exp", "sub", "iss", "aud"]},
            )
        except jwt.PyJWTError:
            return None
        if (
            claims["exp"] > time.time() + 180 + 5
        ):  # Salesforce refuses assertions valid for more than 3 minutes
            return None
        self.jwt_subjects.append(claims["sub"])
        return self._user(claims["sub"])

    def _code_user(self, form) -> str | None:
        grant = self.codes.pop(form.get("code", ""), None)
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        ok = (
            grant
            and self._client_ok(form)
            and form.get("redirect_uri") == grant["redirect_uri"]
            and challenge == grant["challenge"]
        )
        return grant["username"] if ok else None

    def _client_ok(self, form) -> bool:
        return form.get("client_id") == CLIENT_ID and form.get("client_secret") == CLIENT_SECRET

    def _user(self, username: str) -> str | None:
        return next(
            (u["Username"] for u in self.org.rows("User") if u["Username"].lower() == username.lower()), None
        )

    def _authorize(self, args) -> tuple[int, object, dict]:
        ok = (
            args.get("response_type") == "code"
            and args.get("client_id") == CLIENT_ID
            and args.get("code_challenge_method") == "S256"
            and self._user(self.browser_user)
        )
        if not ok:
            return 400, "invalid authorization request", {}
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "username": self._user(self.browser_user),
            "challenge": args["code_challenge"],
            "redirect_uri": args["redirect_uri"],
            "scope": args.get("scope", ""),
        }
        query = urlencode({"code": code, "state": args.get("state", "")})
        return 302, "", {"Location": f"{args['redirect_uri']}?{query}"}
