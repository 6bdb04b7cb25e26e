"""What a rating teaches: the terms of an email, and the org's counts turned into weights."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from addin_api.signals.lexicons import NEGATION_REACH, NEGATORS
from addin_api.signals.table import MAX_WORD, STOPWORDS, Table, org_table

MAX_TERMS = 200  # per email: enough for a long reply, bounded for the rating's transaction
PRIOR = 1.0  # add-one smoothing of a term's counts
CLASS_PRIOR = 10.0  # smoothing of the org's positive/negative balance (one vote must not zero it)
SCALE, CAP = 1.5, 3.0  # log-odds → VADER's scale, capped so no single term decides alone
EVIDENCE = 3.0  # votes at which a term's learned weight counts half against its cold weight


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
    version: str, pos_votes: int, neg_votes: int, terms: dict[str, tuple[int, int]]
) -> Learned:
    """Smoothed log-odds per term against the org's own balance, capped, with trust growing with votes."""
    balance = math.log((pos_votes + CLASS_PRIOR) / (neg_votes + CLASS_PRIOR))
    weights = {}
    for term, (pos, neg) in terms.items():
        n = pos + neg
        if n <= 0:
            continue
        odds = math.log((pos + PRIOR) / (neg + PRIOR)) - balance
        weights[term] = (max(-CAP, min(CAP, SCALE * odds)), n / (n + EVIDENCE))
    return Learned(version, weights, org_table(weights))
