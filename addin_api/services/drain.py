"""The outbox drain: deliver queued changes with backoff, oldest first per deal; housekeeping hourly."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable

from addin_api.domain import ChangeState
from addin_api.services.delivery import apply_row
from addin_api.services.write_types import WriteDeps

log = logging.getLogger(__name__)
HOUSEKEEPING_EVERY = 3600.0  # seconds: purge at most once an hour


def drain_once(deps: WriteDeps, limit: int = 100) -> Counter:
    """One pass: each deal's oldest due change is tried; a success lets the deal's next one follow.

    A change whose lease another drainer took meanwhile is not counted: its outcome is theirs to report.
    """
    outcomes: Counter = Counter()
    while True:
        rows = deps.outbox.due_heads(deps.crm.name, limit)
        progressed = False
        for row in rows:
            if not deps.outbox.claim(row, deps.lease):
                continue  # another drainer took it
            result = apply_row(deps, row)
            if result.lease_lost:
                continue
            outcomes[result.change.state] += 1
            progressed |= result.change.state != ChangeState.QUEUED
        if not progressed:
            return outcomes


def drain_forever(
    deps: WriteDeps,
    interval: float,
    stop: threading.Event,
    housekeeping: Callable[[], object] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Drain until `stop` is set, waiting `interval` seconds between passes; `housekeeping` at most hourly."""
    last_housekeeping: float | None = None
    while not stop.is_set():
        try:
            outcomes = drain_once(deps)
            if outcomes:
                log.info("outbox drained", extra={"outcomes": dict(outcomes)})
        except Exception:  # a bad pass must not kill the worker; rows stay queued
            log.exception("outbox drain pass failed")
        now = clock()
        if housekeeping and (last_housekeeping is None or now - last_housekeeping >= HOUSEKEEPING_EVERY):
            last_housekeeping = now
            try:
                housekeeping()
            except Exception:
                log.exception("outbox housekeeping failed")
        stop.wait(interval)
