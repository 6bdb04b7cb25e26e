"""Learned lexicon on SQLAlchemy: per-org term counts and the one vote per rep and email behind them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import JSON, Integer, String, bindparam, case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from addin_api.domain import utcnow
from addin_api.signals.ports import OrgCounts, TermCount
from addin_api.store.db import StoreBase, UtcDateTime


class LexiconOrg(StoreBase):
    """An org's vote totals and the version token every change renews (scorers cache by it)."""

    __tablename__ = "lexicon_orgs"
    org: Mapped[str] = mapped_column(String(255), primary_key=True)
    pos_votes: Mapped[int] = mapped_column(Integer, default=0)
    neg_votes: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[str] = mapped_column(String(32), default="")


class LexiconTerm(StoreBase):
    """How many 👍 and 👎 ratings of the org a term appeared in."""

    __tablename__ = "lexicon_terms"
    org: Mapped[str] = mapped_column(String(255), primary_key=True)
    term: Mapped[str] = mapped_column(String(200), primary_key=True)
    pos: Mapped[int] = mapped_column(Integer, default=0)
    neg: Mapped[int] = mapped_column(Integer, default=0)


class LexiconVote(StoreBase):
    """One rep's current rating of one email (hashed key) and the terms it taught, so it can be undone."""

    __tablename__ = "lexicon_votes"
    org: Mapped[str] = mapped_column(String(255), primary_key=True)
    user_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    message_key: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the Message-ID
    rating: Mapped[str] = mapped_column(String(8))
    terms: Mapped[list] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


_TERMS = LexiconTerm.__table__
_VERSION = select(LexiconOrg.version).where(LexiconOrg.org == bindparam("org"))
_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


class SqlLexicon:
    """LexiconPort on the app store; every change of an org's counts is serialised on its org row."""

    def __init__(self, sessions: sessionmaker):
        self.sessions = sessions
        self.engine = sessions.kw["bind"]

    def version(self, org: str) -> str:
        """The org's version token ("" if nothing learned): one primary-key read, no ORM session."""
        # Every score asks this, so it skips the Session (~4× the cost on SQLite); see docs/sentiment.md.
        with self.engine.connect() as conn:
            return conn.execute(_VERSION, {"org": org}).scalar() or ""

    def counts(self, org: str) -> OrgCounts:
        """The org's vote totals and term counts."""
        with self.sessions() as s:
            row = s.get(LexiconOrg, org)
            if row is None:
                return OrgCounts()
            terms = s.execute(select(_TERMS.c.term, _TERMS.c.pos, _TERMS.c.neg).where(_TERMS.c.org == org))
            return OrgCounts(row.version, row.pos_votes, row.neg_votes, {t: (p, n) for t, p, n in terms})

    def apply_vote(self, org, user_key, message_key, rating, terms: Sequence[str], session=None) -> bool:
        """Replace this rep's earlier vote on this email by the new one (None removes it)."""
        if session is not None:
            return self._apply(session, org, user_key, message_key, rating, list(terms))
        with self.sessions.begin() as s:
            return self._apply(s, org, user_key, message_key, rating, list(terms))

    def top_terms(self, org: str, limit: int) -> list[TermCount]:
        """Terms with the most ratings behind them."""
        total = _TERMS.c.pos + _TERMS.c.neg
        query = select(_TERMS.c.term, _TERMS.c.pos, _TERMS.c.neg).where(_TERMS.c.org == org)
        with self.sessions() as s:
            rows = s.execute(query.order_by(total.desc(), _TERMS.c.term).limit(limit))
            return [TermCount(t, p, n) for t, p, n in rows]

    def replace(self, org: str, counts: OrgCounts) -> None:
        """Set the org's totals and term counts wholesale; its recorded votes stay."""
        with self.sessions.begin() as s:
            row = _locked_org(s, org)
            s.execute(delete(_TERMS).where(_TERMS.c.org == org))
            rows = [{"org": org, "term": t, "pos": p, "neg": n} for t, (p, n) in counts.terms.items()]
            if rows:
                s.execute(_TERMS.insert(), rows)
            row.pos_votes, row.neg_votes, row.version = counts.pos_votes, counts.neg_votes, uuid.uuid4().hex

    def _apply(self, s: Session, org, user_key, message_key, rating, terms) -> bool:
        row = _locked_org(s, org)  # first, so concurrent votes of one org queue here instead of racing
        vote = s.get(LexiconVote, (org, user_key, message_key))
        before = (vote.rating, list(vote.terms)) if vote else (None, [])
        if before == (rating, terms):
            return False
        _shift(s, row, org, *before, -1)
        _shift(s, row, org, rating, terms, +1)
        if rating is None:
            s.delete(vote)
        elif vote is None:
            s.add(
                LexiconVote(
                    org=org,
                    user_key=user_key,
                    message_key=message_key,
                    rating=rating,
                    terms=terms,
                    updated_at=utcnow(),
                )
            )
        else:
            vote.rating, vote.terms, vote.updated_at = rating, terms, utcnow()
        row.version = uuid.uuid4().hex
        s.flush()
        return True


def _locked_org(s: Session, org: str) -> LexiconOrg:
    """The org's row, created if missing, locked FOR UPDATE (PostgreSQL; SQLite serialises writers anyway)."""
    insert = _INSERTS[s.get_bind().dialect.name]
    s.execute(
        insert(LexiconOrg).values(org=org, pos_votes=0, neg_votes=0, version="").on_conflict_do_nothing()
    )
    return s.scalars(select(LexiconOrg).where(LexiconOrg.org == org).with_for_update()).one()


def _shift(s: Session, row: LexiconOrg, org: str, rating: str | None, terms: list[str], delta: int) -> None:
    """Add (+1) or take back (-1) one vote's contribution; counts never go below zero."""
    if rating is None:
        return
    side = "pos" if rating == "positive" else "neg"
    setattr(row, f"{side}_votes", max(0, getattr(row, f"{side}_votes") + delta))
    if not terms:
        return
    if delta > 0:
        insert = _INSERTS[s.get_bind().dialect.name]
        s.execute(
            insert(_TERMS).on_conflict_do_nothing(),
            [{"org": org, "term": t, "pos": 0, "neg": 0} for t in terms],
        )
    column = _TERMS.c[side]
    stmt = (
        update(_TERMS)
        .where(_TERMS.c.org == bindparam("b_org"), _TERMS.c.term == bindparam("b_term"))
        .values({side: case((column + delta < 0, 0), else_=column + delta)})
    )
    s.execute(stmt, [{"b_org": org, "b_term": t} for t in terms])
    if delta < 0:
        s.execute(delete(_TERMS).where(_TERMS.c.org == org, _TERMS.c.pos <= 0, _TERMS.c.neg <= 0))
