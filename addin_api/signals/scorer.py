"""The scorer: cold lexicons + the org's learned terms, with negation, boosters and "…, but …" contrast."""

from __future__ import annotations

import math

from addin_api.domain import Sentiment
from addin_api.signals.learning import MAX_TERMS, NOTHING_LEARNED, Learned, terms_at
from addin_api.signals.lexicons import BREAKS, NEGATION_REACH, NEGATORS, ColdLexicon, cold_lexicon, tokens

NEGATION_SCALAR = -0.74  # VADER's empirically derived factor for a negated word
BEFORE_BUT, AFTER_BUT = 0.5, 1.5  # VADER's weights either side of "but": the buyer's point comes after
SUBJECT_WEIGHT = 0.5  # the subject is often ours ("Re: proposal"), so it counts half
CONTRASTS = ("but", "however")
CONCESSIVES = frozenset({"although", "though", "while", "despite"})
NEUTRAL_BAND = 0.05  # VADER's own threshold on its compound score
TOP_TERMS = 6


def score_text(body: str, subject: str = "", learned: Learned = NOTHING_LEARNED) -> Sentiment:
    """Score already-prepared text (see text.prepare) with the cold lexicons and `learned` terms."""
    lex, contrib = cold_lexicon(), {}
    for text, weight in ((subject, SUBJECT_WEIGHT), (body, 1.0)):
        for sentence in _sentences(tokens(text)):
            _score_sentence(sentence, weight, lex, learned, contrib)
    total = sum(contrib.values())
    value = total / math.sqrt(total * total + 15.0)  # VADER's normalisation to (-1, 1)
    label = "positive" if value >= NEUTRAL_BAND else "negative" if value <= -NEUTRAL_BAND else "neutral"
    top = sorted(contrib.items(), key=lambda kv: -abs(kv[1]))[:TOP_TERMS]
    return Sentiment(round(value, 4), label, tuple((t, round(w, 3)) for t, w in top if abs(w) >= 0.01))


def learnable_terms(body: str, subject: str = "") -> list[str]:
    """The terms a rating of this prepared text teaches (the same ones the scorer looks up)."""
    out: list[str] = []
    for text in (subject, body):
        for sentence in _sentences(tokens(text)):
            out.extend(terms_at(sentence))
    return list(dict.fromkeys(out))[:MAX_TERMS]


def _sentences(toks: list[str]) -> list[list[str]]:
    out, start = [], 0
    for end in [i for i, t in enumerate(toks) if t in BREAKS] + [len(toks)]:
        if end > start:
            out.append(toks[start:end])
        start = end + 1
    return out


def _negated(words: list[str], i: int) -> bool:
    """A negator within reach before word i, in the same clause."""
    for j in range(i - 1, max(-1, i - 1 - NEGATION_REACH), -1):
        if words[j] == ",":
            return False
        if words[j] in NEGATORS:
            return True
    return False


def _contrast(words: list[str]) -> tuple[int, float, float]:
    """(pivot, weight before, weight after): after the last "but" words count 1½, before it ½."""
    pivots = (
        [i for i, w in enumerate(words) if w in CONTRASTS] if "but" in words or "however" in words else []
    )
    if pivots:
        return pivots[-1], BEFORE_BUT, AFTER_BUT
    if words[0] in CONCESSIVES and "," in words:  # "although X, Y" discounts X the same way
        return words.index(","), BEFORE_BUT, AFTER_BUT
    return 0, 1.0, 1.0


def _score_sentence(words, weight, lex: ColdLexicon, learned: Learned, contrib: dict) -> None:
    pivot, before, after = _contrast(words)
    blended: set[str] = set()
    skip = 0
    for i in [i for i, w in enumerate(words) if lex.may_score(w)]:
        if i < skip:
            continue  # inside a phrase already counted
        phrase = lex.match(words, i)
        valence = phrase.weight if phrase else lex.words.get(words[i])
        if not valence:
            continue
        term, skip = (phrase.label, i + len(phrase.stems)) if phrase else (words[i], i + 1)
        valence = _adjusted(valence, words, i, lex)
        if not phrase:
            valence, term = _blend(valence, term, _negated(words, i), learned, blended)
        contrib[term] = contrib.get(term, 0.0) + valence * (before if i < pivot else after) * weight
    if learned.weights:
        for term, i in terms_at(words).items():
            hit = learned.weights.get(term)
            if hit is not None and term not in blended:
                contrib[term] = (
                    contrib.get(term, 0.0) + hit[0] * hit[1] * (before if i < pivot else after) * weight
                )


def _adjusted(valence: float, words: list[str], i: int, lex: ColdLexicon) -> float:
    boost = lex.boosters.get(words[i - 1], 0.0) if i else 0.0
    valence += math.copysign(boost, valence)
    return valence * NEGATION_SCALAR if _negated(words, i) else valence


def _blend(valence: float, word: str, negated: bool, learned: Learned, blended: set) -> tuple[float, str]:
    """A general-lexicon word the org has rated: its learned weight takes over as evidence grows."""
    term = "not " + word if negated else word
    hit = learned.weights.get(term)
    if hit is None:
        return valence, word
    blended.add(term)
    weight, trust = hit
    return (1.0 - trust) * valence + trust * weight, term
