"""Loopback Salesforce stand-in that follows the documented wire formats (REST v67.0 and the OAuth endpoints).

Typical use::

    with SalesforceStandin(public_key_pem=signing_key().public_pem) as sf:
        ids = sf.load_dataset(DATASET)
        settings = load_settings({}, {"secret_key": SECRET_KEY, **sf.settings_overrides(key_path)})

Serves `/services/oauth2/{token,authorize,revoke}` and `/id/…` on the login host (`salesforce_oauth.py`)
and the data API under `instance_url`
(a path prefix, so a client that ignores the returned instance_url gets 404s): `query` (the SOQL subset
in `soql.py`), `composite` (≤ 25 subrequests, ≤ 5 queries, `@{ref.field}` references, allOrNone rollback),
the UI API StageName picklist, sObject rows (PATCH honours If-Unmodified-Since → 412), inserts, reads and
upserts by external id. Every response carries `Sforce-Limit-Info`; `calls` logs every request and
subrequest so tests can count round trips; `fail()`/`delay()` inject errors and timeouts (OAuth endpoints
included: `fail("/services/oauth2/token", 400, "invalid_grant")` answers an OAuth error body).
"""

from __future__ import annotations

import functools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from werkzeug.wrappers import Request, Response

from tests.standins.idp import LoopbackServer, LoopbackStandIn
from tests.standins.salesforce_api import Call, DataApi, Fault
from tests.standins.salesforce_oauth import CLIENT_ID, CLIENT_SECRET, OAuthEndpoints
from tests.standins.salesforce_org import Org
from tests.standins.salesforce_seed import load

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
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return SigningKey(private, public)


class SalesforceStandin(OAuthEndpoints, LoopbackStandIn):
    """One org behind a login host; acts as whichever user the access token names."""

    def __init__(
        self,
        *,
        public_key_pem: str | None = None,
        rating_field: str = "Addin_Rating__c",
        key_field: str = "Addin_Message_Key__c",
        multi_currency: bool = False,
        currency: str = "USD",
    ):
        self.public_key_pem, self.rating_field, self.key_field = public_key_pem, rating_field, key_field
        self.org = Org(rating_field, key_field, multi_currency, currency)
        self._server = LoopbackServer(self)
        self.url = self._server.url  # the login host (aud of JWT assertions)
        self.prefix = "/org"
        self.instance_url = self.url + self.prefix
        self.calls: list[Call] = []
        self.faults: list[Fault] = []
        self._init_oauth()
        self.reject_sessions = False
        self.api_calls = 0
        self.api = DataApi(self.org, self.faults, self.calls)
        self._lock = threading.Lock()
        self._answered = threading.Condition()  # notified after every answer, for `hold`
        self._holds: list[tuple[str, Callable[[], bool]]] = []
        self.held: list[str] = []  # `METHOD path` of each request a `hold` has kept waiting

    # --- test controls -------------------------------------------------------------------------

    def load_dataset(
        self, dataset: dict, *, business_case_fields: dict | None = None, usernames: dict | None = None
    ) -> dict[str, str]:
        """Seed records from the backend-neutral dataset; returns deal key → Opportunity id."""
        return load(
            self.org, dataset, business_case_fields or {}, usernames or {}, self.rating_field, self.key_field
        )

    def settings_overrides(self, private_key_path: str = "") -> dict:
        """Settings that point the adapter at this stand-in (JWT bearer when a key path is given)."""
        return {
            "crm": "salesforce",
            "salesforce_login_url": self.url,
            "salesforce_client_id": CLIENT_ID,
            "salesforce_client_secret": CLIENT_SECRET,
            "salesforce_private_key_path": private_key_path,
            "salesforce_rating_field": self.rating_field,
            "salesforce_message_key_field": self.key_field,
        }

    def fail(
        self, match: str, status: int, code: str | None = None, message: str = "", times: int = 1
    ) -> None:
        """The next `times` requests matching `match` get this error (an error array, or text if no code)."""
        self.faults.append(Fault(match, status, code, message or code or "Service Unavailable", times))

    def delay(self, match: str, seconds: float, times: int = 1) -> None:
        """The next `times` top-level requests matching `match` answer only after `seconds`."""
        self.faults.append(Fault(match, None, None, "", times, seconds))

    def hold(self, match: str, until: Callable[[], bool]) -> None:
        """The next request matching `match` is answered once `until()` holds (checked after each answer)."""
        with self._lock:
            self._holds.append((match, until))

    def nudge(self) -> None:
        """Check held requests' conditions now (a test changed what they wait for, not an answer)."""
        with self._answered:
            self._answered.notify_all()

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
            self.calls.append(
                Call(
                    request.method,
                    request.path,
                    request.args.to_dict(),
                    dict(request.headers),
                    request.get_json(silent=True) or request.form.to_dict(),
                    status,
                )
            )
        with self._answered:
            self._answered.notify_all()
        if isinstance(payload, str):
            response = Response(payload, status, headers, mimetype="text/plain")
        else:
            response = Response(
                None if status == 204 else json.dumps(payload), status, headers, mimetype="application/json"
            )
        response.headers["Sforce-Limit-Info"] = f"api-usage={self.api_calls}/{DAILY_LIMIT}"
        return response(environ, start_response)

    def _wait(self, request_line: str) -> None:
        with self._lock:
            fault = self.api.take(request_line, delays=True)
            held = next((h for h in self._holds if h[0] in request_line), None)
            if held:
                self._holds.remove(held)
        if fault:
            time.sleep(fault.delay)
        if held:
            with self._answered:
                self.held.append(request_line)
                self._answered.wait_for(held[1], timeout=30)

    def _route(self, request: Request) -> tuple[int, object, dict]:
        login = self._oauth(request)
        if login is not None:
            return login
        if not request.path.startswith(self.prefix + "/services/data/"):
            return 404, [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}], {}
        user = self.sessions.get(request.headers.get("Authorization", "").removeprefix("Bearer "))
        if user is None or self.reject_sessions:
            return 401, [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}], {}
        self.api_calls += 1
        # Salesforce stamps CreatedById/LastModifiedById with the session's user; records a test
        # changes directly (outside a request) name nobody.
        self.org.actor = next((u["Id"] for u in self.org.rows("User") if u["Username"] == user), None)
        try:
            status, payload = self.api.dispatch(
                request.method,
                request.path[len(self.prefix) :],
                request.args.to_dict(),
                dict(request.headers),
                request.get_json(silent=True),
            )
        finally:
            self.org.actor = None
        return status, payload, {}
