"""HTTP to HubSpot's dated APIs: pooled session, errors mapped to the port's, 429 policies honoured.

Docs: https://developers.hubspot.com/docs/api/usage-details (rate limits, `policyName`) and the error
body `{"status": "error", "category": ..., "message": ..., "correlationId": ...}`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol

import requests

from addin_api.crm.port import CrmAuthError, CrmError, CrmNotFound, CrmRejected, CrmUnavailable
from addin_api.domain import Principal

VERSION = "2026-03"
SECONDLY_POLICIES = {"SECONDLY", "TEN_SECONDLY_ROLLING"}  # back off and retry; DAILY waits for the reset
DEFAULT_INTERVAL = 10.0  # seconds: the rolling window when HubSpot does not say

log = logging.getLogger(__name__)


class RateBudget:
    """Per-process view of HubSpot's rolling limit: when the window is spent, callers wait for it.

    Per process, not shared through the database: each worker learns from the X-HubSpot-RateLimit-*
    headers of its own calls and from 429s, which every worker sees for the shared account limit.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock, self._lock, self._until = clock, threading.Lock(), 0.0

    def blocked_for(self) -> float:
        """Seconds until the window is open again (0 when calls may go now)."""
        with self._lock:
            return max(0.0, self._until - self.clock())

    def block(self, seconds: float) -> None:
        """Hold every caller for `seconds`."""
        with self._lock:
            self._until = max(self._until, self.clock() + seconds)

    def observe(self, headers) -> None:
        """Read X-HubSpot-RateLimit-Remaining/-Interval-Milliseconds; an empty window blocks."""
        remaining = headers.get("X-HubSpot-RateLimit-Remaining")
        if remaining is not None and remaining.strip() == "0":
            self.block(_interval(headers))


class Credentials(Protocol):
    """Access tokens acting as a rep: the account's app token, or the rep's own OAuth connection."""

    def token(self, rep: Principal, stale: str | None = None) -> str:
        """The rep's access token; `stale` (refused with a 401) asks for a new one, or CrmAuthError."""


class HubSpotClient:
    """JSON calls with a bearer token; `wait_budget` bounds the time one request spends waiting on 429s."""

    def __init__(
        self,
        http: requests.Session,
        base_url: str,
        credentials: Credentials,
        timeout: float,
        wait_budget: float,
        *,
        budget: RateBudget | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.http, self.base_url, self.timeout = http, base_url.rstrip("/"), timeout
        self.credentials = credentials
        self.wait_budget, self.budget, self.sleep = wait_budget, budget or RateBudget(), sleep

    def acting_as(self, rep: Principal) -> RepApi:
        """Calls made with the rep's access token."""
        return RepApi(self, rep)

    def send(
        self, token: str, method: str, path: str, body: dict | None = None, params: dict | None = None
    ) -> dict:
        """One API call; secondly 429s are waited out within the budget, everything else is mapped."""
        waited = 0.0
        while True:
            pause = self.budget.blocked_for()
            if pause:
                waited = self._wait(pause, waited)
            resp = self._send(token, method, path, body, params)
            if resp.status_code != 429:  # a 429 says itself how long to wait
                self.budget.observe(resp.headers)
                return _answer(resp)
            payload = _json(resp)
            policy = str(payload.get("policyName") or "")
            if policy not in SECONDLY_POLICIES:  # DAILY (or unknown): nothing to gain by retrying now
                raise CrmUnavailable("HubSpot's daily API limit is reached; the change waits for the reset")
            self.budget.block(_retry_after(resp))

    def _wait(self, pause: float, waited: float) -> float:
        if waited + pause > self.wait_budget:
            raise CrmUnavailable("HubSpot's rate limit is reached; the change will be retried")
        self.sleep(pause)
        return waited + pause

    def _send(
        self, token: str, method: str, path: str, body: dict | None, params: dict | None
    ) -> requests.Response:
        try:
            return self.http.request(
                method,
                self.base_url + path,
                json=body,
                params=params,
                headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            # Path only: tokens travel in headers, buyers' addresses in bodies.
            log.warning("hubspot %s %s failed: %s", method, path.split("?")[0], type(exc).__name__)
            raise CrmUnavailable("HubSpot did not answer") from None


class RepApi:
    """The client bound to one rep: a 401 gets one new access token and one retry, then CrmAuthError."""

    def __init__(self, client: HubSpotClient, rep: Principal):
        self.client, self.rep = client, rep

    def call(self, method: str, path: str, body: dict | None = None, params: dict | None = None) -> dict:
        """One API call as the rep."""
        token = self.client.credentials.token(self.rep)
        try:
            return self.client.send(token, method, path, body, params)
        except CrmAuthError:
            renewed = self.client.credentials.token(self.rep, stale=token)
            return self.client.send(renewed, method, path, body, params)


def _interval(headers) -> float:
    try:
        return int(headers.get("X-HubSpot-RateLimit-Interval-Milliseconds", "")) / 1000.0
    except ValueError:
        return DEFAULT_INTERVAL


def _retry_after(resp: requests.Response) -> float:
    try:
        return max(0.0, float(resp.headers.get("Retry-After", "")))
    except ValueError:
        return 1.0  # the window rolls: a second frees some of it


def _json(resp: requests.Response) -> dict:
    try:
        body = resp.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _answer(resp: requests.Response) -> dict:
    if resp.status_code < 300:
        return _json(resp) if resp.content else {}
    body = _json(resp)
    message, category = str(body.get("message") or ""), str(body.get("category") or "")
    if resp.status_code == 401:
        raise CrmAuthError("HubSpot refused the access token")
    if resp.status_code == 404 or category == "OBJECT_NOT_FOUND":
        raise CrmNotFound(message or "not found in HubSpot")
    if resp.status_code >= 500:
        raise CrmUnavailable("HubSpot is unavailable")
    if category in {"VALIDATION_ERROR", "MISSING_SCOPES"} or resp.status_code in {400, 403, 409}:
        raise CrmRejected(message or "HubSpot refused the change")
    raise CrmError(message or f"HubSpot answered {resp.status_code}")
