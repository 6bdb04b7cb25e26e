"""Idempotency records: the first response to (user, Idempotency-Key), replayed on retries."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from addin_api.domain import utcnow
from addin_api.store.models import IdempotencyRecord


class IdempotencyStore:
    """Look up and save replayable responses."""

    def __init__(self, sessions: sessionmaker):
        self.sessions = sessions

    def find(self, user_key: str, key: str) -> IdempotencyRecord | None:
        """The stored response for this user's key, if any."""
        with self.sessions() as s:
            return s.scalar(
                select(IdempotencyRecord).where(
                    IdempotencyRecord.user_key == user_key, IdempotencyRecord.key == key
                )
            )

    def save(self, user_key: str, key: str, request_hash: str, status_code: int, body: dict) -> None:
        """Store the first response; a concurrent duplicate keeps the earlier one."""
        try:
            with self.sessions.begin() as s:
                s.add(
                    IdempotencyRecord(
                        user_key=user_key,
                        key=key,
                        request_hash=request_hash,
                        status_code=status_code,
                        body=body,
                        created_at=utcnow(),
                    )
                )
        except IntegrityError:
            pass
