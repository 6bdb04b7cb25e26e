"""Expiring signed tokens (itsdangerous, SHA-256) on an injectable clock: deep links and card state."""

from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Callable

from itsdangerous import TimestampSigner, URLSafeTimedSerializer


class _ClockSigner(TimestampSigner):
    """A timestamp signer whose clock can be set (tests issue tokens that are already too old)."""

    def __init__(self, *args, clock: Callable[[], float] = time.time, **kwargs):
        super().__init__(*args, **kwargs)
        self.clock = clock

    def get_timestamp(self) -> int:
        """Seconds since the epoch by this signer's clock."""
        return int(self.clock())


@functools.lru_cache(maxsize=64)  # built once per (secret, salt, clock): signing a link is then one HMAC
def timed_serializer(
    secret: str, salt: str, clock: Callable[[], float] = time.time
) -> URLSafeTimedSerializer:
    """A URL-safe serializer whose tokens carry the time they were signed by `clock`."""
    return URLSafeTimedSerializer(
        secret,
        salt=salt,
        signer=_ClockSigner,
        signer_kwargs={"clock": clock, "digest_method": hashlib.sha256},
    )
