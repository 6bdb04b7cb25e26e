"""One pooled requests.Session for every outbound call, with timeouts applied in one place."""

from __future__ import annotations

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry


class TimeoutSession(requests.Session):
    """A session that applies a default timeout to every request that does not set one."""

    def __init__(self, timeout: float):
        super().__init__()
        self.timeout = timeout
        # Retry only idempotent reads on connection trouble; writes are retried by the outbox instead.
        retry = Retry(total=2, connect=2, read=0, status=0, backoff_factor=0.2, allowed_methods={"GET"})
        adapter = HTTPAdapter(pool_connections=10, pool_maxsize=32, max_retries=retry)
        self.mount("https://", adapter)
        self.mount("http://", adapter)

    def request(self, method, url, **kwargs):
        """Send with the default timeout unless the caller gave one."""
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, url, **kwargs)


def make_http(timeout: float) -> requests.Session:
    """The app's shared HTTP session."""
    return TimeoutSession(timeout)
