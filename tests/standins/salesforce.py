"""Loopback Salesforce stand-in that follows the documented wire formats (REST v67.0 and the OAuth endpoints).

Typical use::

    with SalesforceStandin(public_key_pem=signing_key().public_pem) as sf:
        ids = sf.load_dataset(DATASET)
        settings = load_settings({}, {"secret_key": "t", **sf.settings_overrides(key_path)})

Serves `/services/oauth2/{token,authorize}` on the login host and the data API under `instance_url`
(a path prefix, so a client that ignores the returned instance_url gets 404s): `query` (the SOQL subset
in `soql.py`), `composite` (≤ 25 subrequests, ≤ 5 queries, `@{ref.field}` references, allOrNone rollback),
the UI API StageName picklist, sObject rows (PATCH honours If-Unmodified-Since → 412), inserts, reads and
upserts by external id. Every response carries `Sforce-Limit-Info`; `calls` logs every request and
subrequest so tests can count round trips; `fail()`/`delay()` inject errors and timeouts.
"""
from __future__ import annotations

import base64
import functools
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlencode

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from werkzeug.wrappers import Request, Response

from tests.standins.idp import LoopbackServer
from tests.standins.salesforce_api import Call, DataApi, Fault
from tests.standins.salesforce_org import Org
from tests.standins.salesforce_seed import load

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
CLIENT_ID, CLIENT_SECRET = "3MVG9standin.client", "standin-secret"
DAILY_LIMIT = 15000


@dataclass(frozen=True)
class SigningKey:
    """An RSA key pair in PEM, standing in for the certificate uploaded to the External Client App."""

    private_pem: str
    public_pem: str


@functools.lru_cache(maxsize=1)
def signing_key() -> SigningKey:
    """One RSA key per test run (generating keys is the slow part)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return SigningKey(private, public)


class SalesforceStandin:
    """One org behind a login host; acts as whichever user the access token names."""

    def __init__(self, *, public_key_pem: str | None = None, rating_field: str = "Addin_Rating__c",
                 key_field: str = "Addin_Message_Key__c", multi_currency: bool = False, currency: str = "USD"):
        self.public_key_pem, self.rating_field, self.key_field = public_key_pem, rating_field, key_field
        self.org = Org(rating_field, key_field, multi_currency, currency)
        self.server = LoopbackServer(self)
        self.url = self.server.url  # the login host (aud of JWT assertions)
        self.prefix = "/org"
        self.instance_url = self.url + self.prefix
        self.calls: list[Call] = []
        self.faults: list[Fault] = []
        self.sessions: dict[str, str] = {}  # access token → username
        self.refresh_tokens: dict[str, str] = {}
        self.codes: dict[str, dict] = {}
        self.jwt_subjects: list[str] = []
        self.browser_user = ""  # who "logs in" when a browser is sent to /services/oauth2/authorize
        self.reject_sessions = False
        self.api_calls = 0
        self.api = DataApi(self.org, self.faults, self.calls)
        self._lock = threading.Lock()

    # --- test controls -------------------------------------------------------------------------

    def start(self) -> "SalesforceStandin":
        """Begin answering on loopback."""
        self.server.start()
        return self

    def stop(self) -> None:
        """Stop answering and release the port."""
        self.server.stop()

    def __enter__(self) -> "SalesforceStandin":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def load_dataset(self, dataset: dict, *, business_case_fields: dict | None = None,
                     usernames: dict | None = None) -> dict[str, str]:
        """Seed records from the backend-neutral dataset; returns deal key → Opportunity id."""
        return load(self.org, dataset, business_case_fields or {}, usernames or {}, self.rating_field, self.key_field)

    def settings_overrides(self, private_key_path: str = "") -> dict:
        """Settings that point the adapter at this stand-in (JWT bearer when a key path is given)."""
        return {"crm": "salesforce", "salesforce_login_url": self.url, "salesforce_client_id": CLIENT_ID,
                "salesforce_client_secret": CLIENT_SECRET, "salesforce_private_key_path": private_key_path,
                "salesforce_rating_field": self.rating_field, "salesforce_message_key_field": self.key_field}

    def fail(self, match: str, status: int, code: str | None = None, message: str = "", times: int = 1) -> None:
        """The next `times` requests matching `match` get this error (an error array, or text without a code)."""
        self.faults.append(Fault(match, status, code, message or code or "Service Unavailable", times))

    def delay(self, match: str, seconds: float, times: int = 1) -> None:
        """The next `times` top-level requests matching `match` answer only after `seconds`."""
        self.faults.append(Fault(match, None, None, "", times, seconds))

    def expire_sessions(self) -> None:
        """Every access token issued so far stops working (as when a session times out)."""
        self.sessions.clear()

    def count(self, fragment: str = "", sub: bool = False) -> int:
        """How many requests (or, with `sub`, composite subrequests) contained `fragment` in `METHOD path`."""
        return sum(1 for c in self.calls if c.sub == sub and fragment in f"{c.method} {c.path}")

    # --- WSGI ----------------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        request = Request(environ)
        self._wait(f"{request.method} {request.path}")
        with self._lock:
            status, payload, headers = self._route(request)
            self.calls.append(Call(request.method, request.path, request.args.to_dict(), dict(request.headers),
                                   request.get_json(silent=True) or request.form.to_dict(), status))
        if isinstance(payload, str):
            response = Response(payload, status, headers, mimetype="text/plain")
        else:
            response = Response(None if status == 204 else json.dumps(payload), status, headers,
                                mimetype="application/json")
        response.headers["Sforce-Limit-Info"] = f"api-usage={self.api_calls}/{DAILY_LIMIT}"
        return response(environ, start_response)

    def _wait(self, request_line: str) -> None:
        with self._lock:
            fault = self.api.take(request_line, delays=True)
        if fault:
            time.sleep(fault.delay)

    def _route(self, request: Request) -> tuple[int, object, dict]:
        if request.path == "/services/oauth2/token" and request.method == "POST":
            return (*self._token(request.form), {})
        if request.path == "/services/oauth2/authorize":
            return self._authorize(request.args)
        if not request.path.startswith(self.prefix + "/services/data/"):
            return 404, [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}], {}
        user = self.sessions.get(request.headers.get("Authorization", "").removeprefix("Bearer "))
        if user is None or self.reject_sessions:
            return 401, [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}], {}
        self.api_calls += 1
        return (*self.api.dispatch(request.method, request.path[len(self.prefix):], request.args.to_dict(),
                                   dict(request.headers), request.get_json(silent=True)), {})

    # --- OAuth ---------------------------------------------------------------------------------

    def _token(self, form) -> tuple[int, dict]:
        grant = form.get("grant_type")
        if grant == JWT_GRANT:
            username = self._assertion_user(form.get("assertion", ""))
        elif grant in {"authorization_code", "refresh_token"}:
            username = self._code_user(form) if grant == "authorization_code" else self._refresh_user(form)
        else:
            return 400, {"error": "unsupported_grant_type", "error_description": "grant type not supported"}
        if username is None:
            return 400, {"error": "invalid_grant", "error_description": "authentication failure"}
        token = secrets.token_urlsafe(24)
        self.sessions[token] = username
        user = next(u for u in self.org.rows("User") if u["Username"] == username)
        org_id = self.org.rows("Organization")[0]["Id"]
        body = {"access_token": token, "instance_url": self.instance_url, "token_type": "Bearer",
                "id": f"{self.url}/id/{org_id}/{user['Id']}", "scope": "api refresh_token",
                "issued_at": str(int(time.time() * 1000)), "signature": "standin"}
        if grant == "authorization_code":
            body["refresh_token"] = refresh = secrets.token_urlsafe(32)
            self.refresh_tokens[refresh] = username
        return 200, body

    def _assertion_user(self, assertion: str) -> str | None:
        try:
            claims = jwt.decode(assertion, self.public_key_pem, algorithms=["RS256"], audience=self.url,
                                issuer=CLIENT_ID, options={"require": ["exp", "sub", "iss", "aud"]})
        except jwt.PyJWTError:
            return None
        if claims["exp"] > time.time() + 180 + 5:  # Salesforce refuses assertions valid for more than 3 minutes
            return None
        self.jwt_subjects.append(claims["sub"])
        return self._user(claims["sub"])

    def _code_user(self, form) -> str | None:
        grant = self.codes.pop(form.get("code", ""), None)
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        ok = (grant and self._client_ok(form) and form.get("redirect_uri") == grant["redirect_uri"]
              and challenge == grant["challenge"])
        return grant["username"] if ok else None

    def _refresh_user(self, form) -> str | None:
        return self.refresh_tokens.get(form.get("refresh_token", "")) if self._client_ok(form) else None

    def _client_ok(self, form) -> bool:
        return form.get("client_id") == CLIENT_ID and form.get("client_secret") == CLIENT_SECRET

    def _user(self, username: str) -> str | None:
        return next((u["Username"] for u in self.org.rows("User") if u["Username"].lower() == username.lower()), None)

    def _authorize(self, args) -> tuple[int, object, dict]:
        ok = (args.get("response_type") == "code" and args.get("client_id") == CLIENT_ID
              and args.get("code_challenge_method") == "S256" and self._user(self.browser_user))
        if not ok:
            return 400, "invalid authorization request", {}
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"username": self._user(self.browser_user), "challenge": args["code_challenge"],
                            "redirect_uri": args["redirect_uri"]}
        query = urlencode({"code": code, "state": args.get("state", "")})
        return 302, "", {"Location": f"{args['redirect_uri']}?{query}"}
