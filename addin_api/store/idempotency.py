"""Idempotency records: (user, Idempotency-Key) reserved as a request starts, its first answer replayed."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from addin_api.store.db import db_now
from addin_api.store.models import IdempotencyRecord

# A reservation whose request never finished (the worker died) stops blocking retries after this long.
ABANDONED_AFTER = timedelta(minutes=10)


class IdempotencyStore:
    """Reserve keys, store and replay responses, forget old ones."""

    def __init__(self, sessions: sessionmaker):
        self.sessions = sessions

    def reserve(self, user_key: str, key: str, request_hash: str) -> IdempotencyRecord | None:
        """Reserve the key for this request: None if it is ours now, else the earlier record.

        The earlier record has `status_code` None while its request is still running.
        """
        for _ in range(2):  # a second round after taking over an abandoned reservation
            try:
                with self.sessions.begin() as s:
                    record = IdempotencyRecord(
                        user_key=user_key, key=key, request_hash=request_hash, created_at=db_now(s)
                    )
                    s.add(record)
                return None
            except IntegrityError:
                earlier = self.find(user_key, key)
                if earlier is None or not self._drop_if_abandoned(earlier):
                    return earlier
        return self.find(user_key, key)

    def find(self, user_key: str, key: str) -> IdempotencyRecord | None:
        """The record of this user's key, if any."""
        with self.sessions() as s:
            return s.scalar(
                select(IdempotencyRecord).where(
                    IdempotencyRecord.user_key == user_key, IdempotencyRecord.key == key
                )
            )

    def finish(self, user_key: str, key: str, status_code: int, body: dict) -> None:
        """Store the response of the request that holds the reservation."""
        with self.sessions.begin() as s:
            s.execute(
                update(IdempotencyRecord)
                .where(
                    IdempotencyRecord.user_key == user_key,
                    IdempotencyRecord.key == key,
                    IdempotencyRecord.status_code.is_(None),
                )
                .values(status_code=status_code, body=body)
            )

    def cancel(self, user_key: str, key: str) -> None:
        """Drop an unfinished reservation (the request ended with nothing worth replaying)."""
        with self.sessions.begin() as s:
            s.execute(
                delete(IdempotencyRecord).where(
                    IdempotencyRecord.user_key == user_key,
                    IdempotencyRecord.key == key,
                    IdempotencyRecord.status_code.is_(None),
                )
            )

    def purge(self, older_than: timedelta) -> int:
        """Delete records older than `older_than`; how many."""
        with self.sessions.begin() as s:
            cutoff = db_now(s) - older_than
            return s.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < cutoff)).rowcount

    def _drop_if_abandoned(self, record: IdempotencyRecord) -> bool:
        if record.status_code is not None:
            return False
        with self.sessions.begin() as s:
            return (
                s.execute(
                    delete(IdempotencyRecord).where(
                        IdempotencyRecord.user_key == record.user_key,
                        IdempotencyRecord.key == record.key,
                        IdempotencyRecord.status_code.is_(None),
                        IdempotencyRecord.created_at < db_now(s) - ABANDONED_AFTER,
                    )
                ).rowcount
                == 1
            )
