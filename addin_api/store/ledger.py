"""Email ledger: our own record of each email a rep logged or rated, per CRM, deal and Message-ID."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import bindparam, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from addin_api.domain import Principal, Sentiment, utcnow
from addin_api.store.models import EmailLedger

_L = EmailLedger.__table__
# What a view needs of these deals: every reading, and (with a message id) that email's record. Built
# once: building the statement costs about as much as running it.
_READ = select(
    _L.c.deal_id,
    _L.c.message_id,
    _L.c.subject,
    _L.c.direction,
    _L.c.sent_at,
    _L.c.rating,
    _L.c.sentiment_score,
    _L.c.sentiment_label,
    _L.c.sentiment_terms,
).where(
    _L.c.crm == bindparam("crm"),
    _L.c.deal_id.in_(bindparam("deal_ids", expanding=True)),
    or_(_L.c.sentiment_score.is_not(None), _L.c.message_id == bindparam("message_id")),
)


@dataclass(frozen=True)
class LedgerRead:
    """The ledger as the views read it: one email's record per deal, and every reading per deal."""

    entries: dict = field(default_factory=dict)  # deal id → the record of the asked email (has .subject…)
    sentiments: dict[str, dict[str, Sentiment]] = field(default_factory=dict)  # deal id → Message-ID → …


class Ledger:
    """Reads and writes of the email ledger (what reached the CRM, kept for ratings and learning)."""

    def __init__(self, sessions: sessionmaker):
        self.sessions = sessions

    def upsert(
        self,
        rep: Principal,
        crm: str,
        deal_id: str,
        email,
        sentiment: Sentiment | None = None,
        record_id: str | None = None,
    ) -> None:
        """Our own record of the email's latest rating and reading (one row per CRM, deal and Message-ID).

        A log without text (no sentiment) keeps the reading an earlier log stored.
        """
        try:
            self._upsert(rep, crm, deal_id, email, sentiment, record_id)
        except IntegrityError:  # the same email's first rating was inserted concurrently: now it is an update
            self._upsert(rep, crm, deal_id, email, sentiment, record_id)

    def record_id(self, crm: str, deal_id: str, message_id: str) -> str | None:
        """The CRM's id of the email logged on this deal, if we logged it and the CRM told us its id."""
        with self.sessions() as s:
            return s.scalar(
                select(EmailLedger.crm_record_id).where(
                    EmailLedger.crm == crm,
                    EmailLedger.deal_id == deal_id,
                    EmailLedger.message_id == message_id,
                )
            )

    def _upsert(self, rep: Principal, crm: str, deal_id: str, email, sentiment, record_id) -> None:
        now = utcnow()
        with self.sessions.begin() as s:
            entry = s.scalar(
                select(EmailLedger).where(
                    EmailLedger.crm == crm,
                    EmailLedger.deal_id == deal_id,
                    EmailLedger.message_id == email.message_id,
                )
            )
            if entry is None:
                entry = EmailLedger(
                    crm=crm,
                    deal_id=deal_id,
                    message_id=email.message_id,
                    subject=email.subject,
                    direction=email.direction.value,
                    sent_at=email.sent_at,
                )
                s.add(entry)
            entry.rating = email.rating.value if email.rating else None
            entry.user_key, entry.updated_at = rep.key, now
            if record_id:
                entry.crm_record_id = record_id[:64]
            if sentiment is not None:
                entry.sentiment_score, entry.sentiment_label = sentiment.score, sentiment.label
                entry.sentiment_terms = [[t, w] for t, w in sentiment.terms]

    def entries(self, crm: str, deal_ids: list[str], message_id: str) -> dict[str, EmailLedger]:
        """Our record of one email on each of these deals, by deal id (absent = never logged through us)."""
        with self.sessions() as s:
            rows = s.scalars(
                select(EmailLedger).where(
                    EmailLedger.crm == crm,
                    EmailLedger.deal_id.in_(deal_ids),
                    EmailLedger.message_id == message_id,
                )
            )
            return {row.deal_id: row for row in rows}

    def read(self, crm: str, deal_ids: list[str], message_id: str | None = None) -> LedgerRead:
        """One query: the sentiment of every email we logged on these deals and, with `message_id`, our
        record of that email on each of them."""
        if not deal_ids:
            return LedgerRead()
        entries, found = {}, {}
        with self.sessions() as s:
            rows = s.execute(_READ, {"crm": crm, "deal_ids": deal_ids, "message_id": message_id}).all()
        for row in rows:
            if message_id is not None and row.message_id == message_id:
                entries[row.deal_id] = row
            if row.sentiment_score is not None:
                found.setdefault(row.deal_id, {})[row.message_id] = _sentiment(row)
        return LedgerRead(entries, found)


def _sentiment(row) -> Sentiment:
    terms = tuple((str(t), float(w)) for t, w in row.sentiment_terms or [])
    return Sentiment(row.sentiment_score, row.sentiment_label or "neutral", terms)
