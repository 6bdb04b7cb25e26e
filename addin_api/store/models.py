"""App-store tables: audit log, outbox of CRM writes, idempotency records, email ledger."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from addin_api.domain import ChangeState
from addin_api.store.db import StoreBase, UtcDateTime


class AuditEntry(StoreBase):
    """Who asked to change what on which deal, recorded before the CRM is touched."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    user_key: Mapped[str] = mapped_column(String(200))
    user_email: Mapped[str] = mapped_column(String(320))
    crm: Mapped[str] = mapped_column(String(20))
    deal_id: Mapped[str] = mapped_column(String(64))
    op: Mapped[str] = mapped_column(String(20))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict] = mapped_column(JSON)
    change_id: Mapped[str] = mapped_column(String(36), index=True)


class OutboxRow(StoreBase):
    """One CRM write to deliver; a deal's rows are applied strictly in `seq` order."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("user_key", "idempotency_key"),
        Index("ix_outbox_pending", "state", "crm", "deal_id", "seq"),
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)  # the change_id reps see
    crm: Mapped[str] = mapped_column(String(20))
    deal_id: Mapped[str] = mapped_column(String(64))
    op: Mapped[str] = mapped_column(String(20))  # update_deal | log_email
    payload: Mapped[dict] = mapped_column(JSON)
    user_key: Mapped[str] = mapped_column(String(200))
    user: Mapped[dict] = mapped_column(JSON)  # the Principal, so the drain acts as the same rep
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(16), default=ChangeState.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    failures: Mapped[int] = mapped_column(default=0)  # unexpected errors (bugs): few are tolerated
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime())
    lease: Mapped[str | None] = mapped_column(String(36))  # token of whoever may settle the row now
    last_error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class IdempotencyRecord(StoreBase):
    """A request carrying an Idempotency-Key: reserved when it starts, its first response once it ends."""

    __tablename__ = "idempotency_keys"
    user_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None]  # None while the first request is still running
    body: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class EmailLedger(StoreBase):
    """Our own record of each rated/logged email per deal (one row per CRM, deal and Message-ID)."""

    __tablename__ = "email_ledger"
    __table_args__ = (UniqueConstraint("crm", "deal_id", "message_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    crm: Mapped[str] = mapped_column(String(20))
    deal_id: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[str] = mapped_column(String(998))
    subject: Mapped[str] = mapped_column(String(998), default="")
    direction: Mapped[str] = mapped_column(String(8))
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime())
    rating: Mapped[str | None] = mapped_column(String(8))
    user_key: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # How the email read when logged (scored with the org's learning): never the text itself.
    sentiment_score: Mapped[float | None] = mapped_column(Float)
    sentiment_label: Mapped[str | None] = mapped_column(String(8))
    sentiment_terms: Mapped[list | None] = mapped_column(JSON)  # [[term, weight], ...], strongest first
    crm_record_id: Mapped[str | None] = mapped_column(String(64))  # the CRM's id of the logged email
