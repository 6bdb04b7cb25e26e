"""GET with the sources' shared rules: honour 429/503 Retry-After (bounded), map failures to source errors."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from addin_api.capture.port import SourceUnavailable
from addin_api.http import TimeoutSession

log = logging.getLogger(__name__)
THROTTLED = (429, 503)
MAX_THROTTLED_TRIES = 5


@dataclass
class Fetcher:
    """Sends GETs and waits out throttling; `sleep` is injectable so tests can see the waits."""

    http: requests.Session
    max_wait: float = 120.0
    sleep: Callable[[float], None] = time.sleep
    waits: list[float] = field(default_factory=list)
    requests: int = 0

    def get(self, url: str, headers: dict, params: dict | None = None) -> requests.Response:
        """The answer of a GET, after waiting out `Retry-After` on 429/503 a few times at most."""
        for _ in range(MAX_THROTTLED_TRIES):
            try:
                self.requests += 1
                response = self.http.get(url, headers=headers, params=params)
            except requests.RequestException as exc:
                raise SourceUnavailable(f"mailbox unreachable ({type(exc).__name__})") from None
            if response.status_code not in THROTTLED:
                return response
            wait = retry_after(response.headers.get("Retry-After"))
            if wait > self.max_wait:
                raise SourceUnavailable(f"throttled for {wait:.0f} s; this mailbox waits for the next pass")
            log.info("capture throttled (%s); waiting %.1f s", response.status_code, wait)
            self.waits.append(wait)
            self.sleep(wait)
        raise SourceUnavailable("still throttled after several waits; this mailbox waits for the next pass")


def capture_session(timeout: float) -> requests.Session:
    """A pooled session whose 429/503 answers reach the Fetcher (urllib3 would turn them into errors)."""
    session = TimeoutSession(timeout)
    retry = Retry(
        total=2, connect=2, read=0, status=0, allowed_methods={"GET"}, respect_retry_after_header=False
    )
    adapter = HTTPAdapter(pool_connections=10, pool_maxsize=32, max_retries=retry)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def retry_after(value: str | None) -> float:
    """Seconds to wait from a Retry-After header (seconds form; a missing or odd one means a short pause)."""
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        return 5.0


def refuse(response: requests.Response, what: str) -> SourceUnavailable:
    """The error for an unexpected answer: status only, never the body (it may quote the mailbox)."""
    return SourceUnavailable(f"{what} answered {response.status_code}")
