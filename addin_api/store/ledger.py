"""Email ledger: our own record of each email a rep logged or rated, per CRM, deal and Message-ID."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from addin_api.domain import Principal, Sentiment, utcnow
from addin_api.store.models import EmailLedger


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

    def sentiments(self, crm: str, deal_ids: list[str]) -> dict[str, dict[str, Sentiment]]:
        """deal id → Message-ID → sentiment of every email we logged on these deals with a reading."""
        if not deal_ids:
            return {}
        query = select(
            EmailLedger.deal_id,
            EmailLedger.message_id,
            EmailLedger.sentiment_score,
            EmailLedger.sentiment_label,
            EmailLedger.sentiment_terms,
        ).where(
            EmailLedger.crm == crm,
            EmailLedger.deal_id.in_(deal_ids),
            EmailLedger.sentiment_score.is_not(None),
        )
        out: dict[str, dict[str, Sentiment]] = {}
        with self.sessions() as s:
            for deal_id, message_id, score, label, terms in s.execute(query):
                read = Sentiment(score, label or "neutral", tuple((str(t), float(w)) for t, w in terms or []))
                out.setdefault(deal_id, {})[message_id] = read
        return out
