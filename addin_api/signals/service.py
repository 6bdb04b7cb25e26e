"""Signals service: score a buyer's email for an org, learn from a rep's rating, show what was learned."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from functools import lru_cache
from typing import Any

from addin_api.signals.learning import Learned, weights_from_counts
from addin_api.signals.ports import LexiconPort, OrgCounts, TermCount
from addin_api.signals.scorer import Sentiment, learnable_terms, score_text
from addin_api.signals.text import prepare

RATINGS = ("positive", "negative")
EXPORT_FORMAT = "addin-api/lexicon@1"
_CACHE_SIZE = 256
_cache: OrderedDict[tuple[str, str], Learned] = OrderedDict()
_lock = threading.Lock()


def score(lexicon: LexiconPort, org: str, text: str, subject: str = "") -> Sentiment:
    """The sentiment of what the buyer wrote now (quotes and signature ignored), with the org's learning."""
    subject, body = prepare(text, subject)
    return score_text(body, subject, learned(lexicon, org))


@lru_cache(maxsize=1024)
def score_cold(text: str, subject: str = "") -> Sentiment:
    """The reading with nothing learned, cached per text: for bodies a CRM keeps and shows again and again."""
    subject, body = prepare(text, subject)
    return score_text(body, subject)


def learn(
    lexicon: LexiconPort,
    org: str,
    user_key: str,
    message_id: str,
    text: str,
    rating: Any,
    subject: str = "",
    session: Any = None,
) -> bool:
    """Teach the org one rep's rating of one email (None clears it); repeats change nothing.

    Pass `session` to learn inside the rating's own transaction. Returns True if the counts changed.
    """
    rating = getattr(rating, "value", rating)
    if rating is not None and rating not in RATINGS:
        raise ValueError(f"rating must be one of {RATINGS} or None")
    subject, body = prepare(text, subject)
    terms = learnable_terms(body, subject) if rating else []
    key = hashlib.sha256(message_id.encode()).hexdigest()  # the vote names the email, never quotes it
    return lexicon.apply_vote(org, user_key, key, rating, terms, session=session)


def learned(lexicon: LexiconPort, org: str) -> Learned:
    """The org's learned weights; recomputed only when its counts' version changed (one cheap read)."""
    version = lexicon.version(org)
    if not version:
        return Learned()
    with _lock:
        hit = _cache.get((org, version))
        if hit is not None:
            _cache.move_to_end((org, version))
            return hit
    c = lexicon.counts(org)
    weights = weights_from_counts(c.version, c.pos_votes, c.neg_votes, c.terms)
    with _lock:
        _cache[(org, c.version)] = weights
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return weights


def top_terms(lexicon: LexiconPort, org: str, limit: int = 50) -> list[TermCount]:
    """The org's most-learned terms with their counts."""
    return lexicon.top_terms(org, limit)


def export_document(lexicon: LexiconPort, org: str) -> dict:
    """The org's counts as a portable JSON document (terms and counts only)."""
    c = lexicon.counts(org)
    terms = [{"term": t, "pos": p, "neg": n} for t, (p, n) in sorted(c.terms.items())]
    return {
        "format": EXPORT_FORMAT,
        "org": org,
        "pos_votes": c.pos_votes,
        "neg_votes": c.neg_votes,
        "terms": terms,
    }


def import_document(lexicon: LexiconPort, org: str, doc: dict) -> int:
    """Replace the org's counts with an exported document's; returns the number of terms."""
    if doc.get("format") != EXPORT_FORMAT:
        raise ValueError(f"not an {EXPORT_FORMAT} document")
    terms = {str(t["term"]): (_count(t["pos"]), _count(t["neg"])) for t in doc["terms"]}
    lexicon.replace(org, OrgCounts("", _count(doc["pos_votes"]), _count(doc["neg_votes"]), terms))
    return len(terms)


def _count(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("counts must be non-negative integers")
    return value
