"""Write-ahead records of emails we create in a CRM without an idempotent create (HubSpot).

A row is written before the create call and completed with the CRM's id after it, so a retry whose
first answer was lost finds the email instead of making a second one. Shared by every worker (it is
a table), keyed by CRM account, deal and a hash of the Message-ID.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import String, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from addin_api.domain import utcnow
from addin_api.store.db import StoreBase, UtcDateTime


class EmailClaim(StoreBase):
    """One email being, or already, created in a CRM account on one deal."""

    __tablename__ = "crm_email_claims"
    crm: Mapped[str] = mapped_column(String(20), primary_key=True)
    account: Mapped[str] = mapped_column(String(64), primary_key=True)  # portal id, org id...
    deal_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    message_key: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 hex of the Message-ID
    email_id: Mapped[str | None] = mapped_column(String(64), nullable=True)  # set once the CRM answered
    claim: Mapped[str] = mapped_column(String(36))  # who is creating it now
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Claim(NamedTuple):
    """The state of one key: `mine` when this caller now owns the create; `email_id` once created."""

    mine: bool
    email_id: str | None
    claimed_at: datetime
    token: str


class EmailClaims:
    """Claim, complete and take over write-ahead rows; each call is one short transaction."""

    def __init__(self, engine: Engine, crm: str):
        self.engine, self.crm = engine, crm

    def claim(self, account: str, deal_id: str, message_key: str) -> Claim:
        """Insert a pending row (ours) or return the existing one (another create, done or under way)."""
        token, now = str(uuid.uuid4()), utcnow()
        row = EmailClaim(
            crm=self.crm,
            account=account,
            deal_id=deal_id,
            message_key=message_key,
            claim=token,
            claimed_at=now,
        )
        try:
            with Session(self.engine) as s, s.begin():
                s.add(row)
            return Claim(True, None, now, token)
        except IntegrityError:
            pass
        with Session(self.engine) as s:
            found = s.get(EmailClaim, (self.crm, account, deal_id, message_key))
        if found is None:  # deleted between the two statements: claim again
            return self.claim(account, deal_id, message_key)
        return Claim(False, found.email_id, found.claimed_at, found.claim)

    def take_over(self, account: str, deal_id: str, message_key: str, stale: Claim) -> Claim | None:
        """Own a pending row whose creator went quiet; None if someone else took it or completed it."""
        token, now = str(uuid.uuid4()), utcnow()
        with Session(self.engine) as s, s.begin():
            done = s.execute(
                update(EmailClaim)
                .where(*self._key(account, deal_id, message_key))
                .where(EmailClaim.claim == stale.token, EmailClaim.email_id.is_(None))
                .values(claim=token, claimed_at=now)
            ).rowcount
        return Claim(True, None, now, token) if done else None

    def complete(self, account: str, deal_id: str, message_key: str, email_id: str) -> None:
        """Record the CRM's id of the created email."""
        with Session(self.engine) as s, s.begin():
            s.execute(
                update(EmailClaim).where(*self._key(account, deal_id, message_key)).values(email_id=email_id)
            )

    def current(self, account: str, deal_id: str, message_key: str) -> str | None:
        """The created email's id, if recorded."""
        with Session(self.engine) as s:
            return s.scalar(select(EmailClaim.email_id).where(*self._key(account, deal_id, message_key)))

    @staticmethod
    def is_stale(claim: Claim, after: timedelta) -> bool:
        """True when a pending claim is older than `after` (its creator crashed or lost the answer)."""
        return claim.email_id is None and utcnow() - claim.claimed_at > after

    def _key(self, account: str, deal_id: str, message_key: str):
        return (
            EmailClaim.crm == self.crm,
            EmailClaim.account == account,
            EmailClaim.deal_id == deal_id,
            EmailClaim.message_key == message_key,
        )
