"""Retention: forget idempotency records, settled changes and audit entries once past their keep time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from addin_api.services.ports import IdempotencyPort, OutboxPort


@dataclass(frozen=True)
class Retention:
    """How long each kind of record is kept."""

    idempotency: timedelta = timedelta(hours=24)
    settled_changes: timedelta = timedelta(days=30)
    audit: timedelta = timedelta(days=365)


def purge(outbox: OutboxPort, idempotency: IdempotencyPort, keep: Retention) -> dict[str, int]:
    """Delete what is past its retention; counts by kind. Queued and parked changes are always kept."""
    counts = outbox.purge(keep.settled_changes, keep.audit)
    counts["idempotency"] = idempotency.purge(keep.idempotency)
    return counts
