"""Tables of the embedded CRM (separate metadata from the app store; reached only through LocalCrm)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, MetaData, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from addin_api.store.db import NAMING, UtcDateTime


class LocalBase(DeclarativeBase):
    """Declarative base of the embedded CRM."""

    metadata = MetaData(naming_convention=NAMING)


class Account(LocalBase):
    """A buying organisation."""

    __tablename__ = "crm_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    domain: Mapped[str] = mapped_column(String(200), default="")


class Contact(LocalBase):
    """A person at an account; email is stored lower-cased and unique."""

    __tablename__ = "crm_contact"
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("crm_account.id"))
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200), default="")
    account: Mapped[Account] = relationship()


class Pipeline(LocalBase):
    """An ordered set of stages a deal moves through."""

    __tablename__ = "crm_pipeline"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    stages: Mapped[list[Stage]] = relationship(order_by="Stage.position")


class Stage(LocalBase):
    """One stage of a pipeline; `key` is the stable id the API exposes."""

    __tablename__ = "crm_stage"
    __table_args__ = (UniqueConstraint("pipeline_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    pipeline_id: Mapped[int] = mapped_column(ForeignKey("crm_pipeline.id"))
    key: Mapped[str] = mapped_column(String(80))
    label: Mapped[str] = mapped_column(String(120))
    position: Mapped[int]
    is_closed: Mapped[bool] = mapped_column(default=False)
    is_won: Mapped[bool] = mapped_column(default=False)
    probability: Mapped[int | None]


class Deal(LocalBase):
    """An opportunity; `revision` increases on every change and backs the opaque version.

    `revision` is the mapper's version counter: every UPDATE of a deal carries `WHERE revision = <read>`,
    so of two writers that read the same revision only one changes the row (on SQLite and PostgreSQL).
    """

    __tablename__ = "crm_deal"
    # A rep's pipeline page: their deals in close-date order (0006_perf).
    __table_args__ = (
        Index("ix_crm_deal_owner_close", "owner_email", "close_date", "id"),
        Index("ix_crm_deal_account", "account_id"),  # a contact's deals through their account (0007)
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("crm_account.id"))
    pipeline_id: Mapped[int] = mapped_column(ForeignKey("crm_pipeline.id"))
    stage_id: Mapped[int] = mapped_column(ForeignKey("crm_stage.id"))
    name: Mapped[str] = mapped_column(String(200))
    amount = mapped_column(Numeric(18, 2), nullable=True)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    close_date: Mapped[date | None] = mapped_column(Date)
    next_step: Mapped[str] = mapped_column(String(255), default="")
    owner_email: Mapped[str] = mapped_column(String(320))
    owner_name: Mapped[str] = mapped_column(String(200), default="")
    probability: Mapped[int | None]
    revision: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str | None] = mapped_column(String(320))  # who made the last change (name or email)
    bc_problem: Mapped[str | None] = mapped_column(Text)
    bc_root_cause: Mapped[str | None] = mapped_column(Text)
    bc_why_it_matters: Mapped[str | None] = mapped_column(Text)
    bc_budget: Mapped[str | None] = mapped_column(Text)
    bc_compelling_event: Mapped[str | None] = mapped_column(Text)
    bc_risks: Mapped[str | None] = mapped_column(Text)
    account: Mapped[Account] = relationship()
    stage: Mapped[Stage] = relationship()
    pipeline: Mapped[Pipeline] = relationship()
    roles: Mapped[list[DealContact]] = relationship(back_populates="deal")
    team: Mapped[list[DealTeamMember]] = relationship()
    activities: Mapped[list[Activity]] = relationship(order_by="Activity.sent_at.desc()")
    __mapper_args__ = {"version_id_col": revision}


class DealContact(LocalBase):
    """A contact's role on a deal (the stakeholder map)."""

    __tablename__ = "crm_deal_contact"
    __table_args__ = (Index("ix_crm_deal_contact_contact", "contact_id"),)  # deals a contact is on (0007)
    deal_id: Mapped[int] = mapped_column(ForeignKey("crm_deal.id"), primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("crm_contact.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(80), default="")
    is_primary: Mapped[bool] = mapped_column(default=False)
    deal: Mapped[Deal] = relationship(back_populates="roles")
    contact: Mapped[Contact] = relationship()


class DealTeamMember(LocalBase):
    """A colleague of the owner who may also edit the deal."""

    __tablename__ = "crm_deal_team"
    __table_args__ = (Index("ix_crm_deal_team_email", "email"),)  # the deals a rep is on the team of
    deal_id: Mapped[int] = mapped_column(ForeignKey("crm_deal.id"), primary_key=True)
    email: Mapped[str] = mapped_column(String(320), primary_key=True)


class Activity(LocalBase):
    """An email logged on a deal; one row per (deal, Message-ID)."""

    __tablename__ = "crm_activity"
    __table_args__ = (
        UniqueConstraint("deal_id", "message_id"),
        Index("ix_crm_activity_deal_sent", "deal_id", "sent_at"),  # a deal's recent emails, newest first
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("crm_deal.id"), index=True)
    message_id: Mapped[str] = mapped_column(String(998))  # RFC 5322 line-length limit
    subject: Mapped[str] = mapped_column(String(998), default="")
    from_address: Mapped[str] = mapped_column(String(320))
    to: Mapped[list] = mapped_column(JSON, default=list)
    cc: Mapped[list] = mapped_column(JSON, default=list)
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime())
    direction: Mapped[str] = mapped_column(String(8))
    body: Mapped[str] = mapped_column(Text, default="")
    rating: Mapped[str | None] = mapped_column(String(8))


class CapturedCounts(LocalBase):
    """Activity capture's counts on a deal (headers only: counts and dates, never a subject or body)."""

    __tablename__ = "crm_captured_activity"
    deal_id: Mapped[int] = mapped_column(ForeignKey("crm_deal.id", ondelete="CASCADE"), primary_key=True)
    inbound_count: Mapped[int]
    outbound_count: Mapped[int]
    last_inbound: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_outbound: Mapped[datetime | None] = mapped_column(UtcDateTime())
    meetings_held: Mapped[int]
    next_meeting: Mapped[datetime | None] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
