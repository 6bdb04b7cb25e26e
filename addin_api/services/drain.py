"""The outbox drain: deliver queued changes with backoff, oldest first per deal."""

from __future__ import annotations

import logging
import threading
from collections import Counter

from addin_api.domain import utcnow
from addin_api.services.writes import WriteDeps, apply_row
from addin_api.store.models import QUEUED

log = logging.getLogger(__name__)


def drain_once(deps: WriteDeps, limit: int = 100) -> Counter:
    """One pass: each deal's oldest due change is tried; a success lets the deal's next one follow."""
    outcomes: Counter = Counter()
    while True:
        rows = deps.outbox.due_heads(deps.crm.name, utcnow(), limit)
        progressed = False
        for row in rows:
            if not deps.outbox.claim(row, utcnow(), deps.lease):
                continue  # another drainer took it
            state = apply_row(deps, row).change.state
            outcomes[state] += 1
            progressed |= state != QUEUED
        if not progressed:
            return outcomes


def drain_forever(deps: WriteDeps, interval: float, stop: threading.Event) -> None:
    """Drain until `stop` is set, waiting `interval` seconds between passes."""
    while not stop.is_set():
        try:
            outcomes = drain_once(deps)
            if outcomes:
                log.info("outbox drained", extra={"outcomes": dict(outcomes)})
        except Exception:  # a bad pass must not kill the worker; rows stay queued
            log.exception("outbox drain pass failed")
        stop.wait(interval)
