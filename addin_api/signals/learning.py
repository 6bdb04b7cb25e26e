"""What a rating teaches: the terms of an email, and the org's counts turned into weights."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from addin_api.signals.lexicons import NEGATION_REACH, NEGATORS
from addin_api.signals.table import MAX_WORD, STOPWORDS, Table, org_table

MAX_TERMS = 200  # per email: enough for a long reply, bounded for the rating's transaction


@dataclass(frozen=True)
class Params:
    """How counts become weights; the defaults were chosen by cross-validation on the train split only."""

    prior: float = 0.5  # add-`prior` smoothing of a term's counts
    class_prior: float = 10.0  # smoothing of the org's positive/negative balance (one vote must not zero it)
    scale: float = 1.5  # log-odds → VADER's scale
    cap: float = 2.0  # no single term decides alone
    evidence: float = 0.5  # votes at which a term's learned weight counts half against its cold weight
    bigram: float = 1.0  # a bigram's weight relative to a unigram's
    min_votes: int = 1  # ratings a term needs before it counts at all


PARAMS = Params()


@dataclass(frozen=True)
class Learned:
    """An org's learned terms: term → (weight on VADER's scale, trust in [0, 1)), with the counts' version."""

    version: str = ""
    weights: dict[str, tuple[float, float]] = field(default_factory=dict)
    table: Table | None = field(default=None, compare=False, repr=False)  # the scorer's merged lookup


NOTHING_LEARNED = Learned()


def terms_at(toks: list[str]) -> dict[str, int]:
    """Unigrams ("not w" within reach of a negator) and bigrams of one sentence → first position."""
    out: dict[str, int] = {}
    prev, prev_content, left = None, False, 0
    for i, word in enumerate(toks):
        negated, left = left > 0, NEGATION_REACH if word in NEGATORS else max(0, left - 1)
        if word == "," or len(word) > MAX_WORD:  # a clause break, or a link/id rather than language
            prev, left = None, 0 if word == "," else left
            continue
        content = word not in STOPWORDS and word not in NEGATORS and not word.isdigit()
        if content:
            out.setdefault("not " + word if negated else word, i)
        if prev is not None and (content or prev_content):
            out.setdefault(prev + " " + word, i - 1)
        prev, prev_content = word, content
        if len(out) >= MAX_TERMS:
            break
    return out


def weights_from_counts(
    version: str, pos_votes: int, neg_votes: int, terms: dict[str, tuple[int, int]], p: Params = PARAMS
) -> Learned:
    """Smoothed log-odds per term against the org's own balance, capped, with trust growing with votes."""
    balance = math.log((pos_votes + p.class_prior) / (neg_votes + p.class_prior))
    weights = {}
    for term, (pos, neg) in terms.items():
        n = pos + neg
        if n < max(1, p.min_votes):
            continue
        odds = math.log((pos + p.prior) / (neg + p.prior)) - balance
        scale = p.scale * p.bigram if " " in term and not term.startswith("not ") else p.scale
        weights[term] = (max(-p.cap, min(p.cap, scale * odds)), n / (n + p.evidence))
    return Learned(version, weights, org_table(weights))
