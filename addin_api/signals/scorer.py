"""The scorer: cold lexicons + the org's learned terms, with negation, boosters and "…, but …" contrast."""

from __future__ import annotations

import math
from dataclasses import dataclass

from addin_api.signals.learning import MAX_TERMS, NOTHING_LEARNED, Learned, terms_at
from addin_api.signals.lexicons import BREAKS, NEGATORS, ColdLexicon, cold_lexicon, stem, tokens

NEGATION_SCALAR = -0.74  # VADER's empirically derived factor for a negated word
NEGATION_REACH = 3  # words after a negator that it still flips (VADER looks 3 back)
BEFORE_BUT, AFTER_BUT = 0.5, 1.5  # VADER's weights either side of "but": the buyer's point comes after
SUBJECT_WEIGHT = 0.5  # the subject is often ours ("Re: proposal"), so it counts half
CONTRASTS = frozenset({"but", "however"})
CONCESSIVES = frozenset({"although", "though", "while", "despite"})
NEUTRAL_BAND = 0.05  # VADER's own threshold on its compound score
TOP_TERMS = 6


@dataclass(frozen=True)
class Sentiment:
    """How the buyer's own words read: score in [-1, 1], label, and the terms that moved it most."""

    score: float
    label: str  # positive | negative | neutral
    terms: tuple[tuple[str, float], ...]


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
            out.extend(terms_at(sentence, _negations(sentence)))
    return list(dict.fromkeys(out))[:MAX_TERMS]


def _sentences(toks: list[str]) -> list[list[str]]:
    out, current = [], []
    for tok in toks:
        if tok in BREAKS:
            if current:
                out.append(current)
            current = []
        else:
            current.append(tok)
    if current:
        out.append(current)
    return out


def _negations(words: list[str]) -> list[bool]:
    """Whether each word sits within reach of a negator in the same clause."""
    out, left = [], 0
    for word in words:
        out.append(left > 0)
        left = NEGATION_REACH if word in NEGATORS else 0 if word == "," else max(0, left - 1)
    return out


def _contrast(words: list[str]) -> list[float]:
    """Per-word weight: before the last "but" ½, after it 1½; "although X, Y" discounts X the same way."""
    pivot = next((i for i in range(len(words) - 1, -1, -1) if words[i] in CONTRASTS), None)
    if pivot is None and words[0] in CONCESSIVES and "," in words:
        pivot = words.index(",")
    if pivot is None:
        return [1.0] * len(words)
    return [BEFORE_BUT] * pivot + [AFTER_BUT] * (len(words) - pivot)


def _score_sentence(words, weight, lex: ColdLexicon, learned: Learned, contrib: dict) -> None:
    stems, negated, contrast = [stem(w) for w in words], _negations(words), _contrast(words)
    blended: set[str] = set()
    i = 0
    while i < len(words):
        phrase = lex.match(stems, i)
        term, span = (phrase.label, len(phrase.stems)) if phrase else (words[i], 1)
        valence = phrase.weight if phrase else lex.words.get(words[i])
        if valence:
            valence = _adjusted(valence, words, i, negated[i], lex)
            if not phrase:
                valence, term = _blend(valence, term, negated[i], learned, blended)
            contrib[term] = contrib.get(term, 0.0) + valence * contrast[i] * weight
        i += span
    if learned.weights:
        _add_learned(words, negated, contrast, weight, learned, blended, contrib)


def _adjusted(valence: float, words: list[str], i: int, negated: bool, lex: ColdLexicon) -> float:
    boost = lex.boosters.get(words[i - 1], 0.0) if i else 0.0
    valence += math.copysign(boost, valence)
    return valence * NEGATION_SCALAR if negated else valence


def _blend(valence: float, word: str, negated: bool, learned: Learned, blended: set) -> tuple[float, str]:
    """A general-lexicon word the org has rated: its learned weight takes over as evidence grows."""
    term = "not " + word if negated else word
    hit = learned.weights.get(term)
    if hit is None:
        return valence, word
    blended.add(term)
    weight, trust = hit
    return (1.0 - trust) * valence + trust * weight, term


def _add_learned(words, negated, contrast, weight, learned: Learned, blended: set, contrib: dict) -> None:
    for term, position in terms_at(words, negated).items():
        hit = learned.weights.get(term)
        if hit is not None and term not in blended:
            contrib[term] = contrib.get(term, 0.0) + hit[0] * hit[1] * contrast[position] * weight
