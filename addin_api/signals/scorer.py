"""The scorer: cold lexicons + the org's learned terms, with negation, boosters and "…, but …" contrast."""

from __future__ import annotations

import heapq
import math

from addin_api.domain import Sentiment
from addin_api.signals.learning import MAX_TERMS, NOTHING_LEARNED, Learned, terms_at
from addin_api.signals.lexicons import BREAKS, NEGATION_REACH, tokens
from addin_api.signals.table import BREAK, COMMA, Entry, Table, cold_table

NEGATION_SCALAR = -0.74  # VADER's empirically derived factor for a negated word
BEFORE_BUT, AFTER_BUT = 0.5, 1.5  # VADER's weights either side of "but": the buyer's point comes after
SUBJECT_WEIGHT = 0.5  # the subject is often ours ("Re: proposal"), so it counts half
NEUTRAL_BAND = 0.05  # VADER's own threshold on its compound score
TOP_TERMS = 6
_FAR = -(NEGATION_REACH + 2)  # "no negator seen yet" for the reach arithmetic


def score_text(body: str, subject: str = "", learned: Learned = NOTHING_LEARNED) -> Sentiment:
    """Score already-prepared text (see text.prepare) with the cold lexicons and `learned` terms."""
    table, contrib = learned.table or cold_table(), {}
    for text, weight in ((subject, SUBJECT_WEIGHT), (body, 1.0)):
        if text:
            _score_tokens(tokens(text), weight, table, contrib)
    total = sum(contrib.values())
    value = total / math.sqrt(total * total + 15.0)  # VADER's normalisation to (-1, 1)
    label = "positive" if value >= NEUTRAL_BAND else "negative" if value <= -NEUTRAL_BAND else "neutral"
    top = heapq.nlargest(TOP_TERMS, contrib.items(), key=_strength)  # stable: ties keep reading order
    return Sentiment(round(value, 4), label, tuple((t, round(w, 3)) for t, w in top if abs(w) >= 0.01))


def _strength(item: tuple[str, float]) -> float:
    return abs(item[1])


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


def _score_tokens(toks: list[str], weight: float, table: Table, contrib: dict) -> None:
    """One pass, one table lookup per token; only tokens that carry something (or end a bigram) do more."""
    hits: list = []  # (term, valence, position) of the current sentence, from the lexicons
    found: list = []  # ((term, weight, trust), first position) of the org's learned terms in it
    blended: list = []  # learned terms a general word of this sentence already took
    start, pivot, comma, skip = 0, -1, -1, 0
    last_neg = last_stop = _FAR  # negation reaches over neither a comma nor a sentence break
    prev = chain = None  # previous token's entry (boosters); the bigram's first word (learned)
    words = table.words
    for i, word in enumerate(toks):
        try:
            e = words[word]
        except KeyError:
            e = table.miss(word)
        if e.kind:
            if e.kind == BREAK:
                if hits or found:
                    cut = _cut(pivot, comma, table.entry(toks[start]))
                    _flush(hits, found, blended, cut, weight, contrib)
                    hits, found, blended = [], [], []
                start, pivot, comma, last_stop, prev, chain = i + 1, -1, -1, i, None, None
                continue
            if e.kind == COMMA:
                comma = i if comma < 0 else comma
                last_stop, prev, chain = i, e, None
                continue
            pivot = i  # "but"/"however": the last one in the sentence is the pivot
        if e.active or chain is not None:
            negated = last_neg > last_stop and i - last_neg <= NEGATION_REACH
            if e.scores and i >= skip:
                skip = _score_word(e, toks, i, prev, negated, table, hits, blended)
            if e.taught:  # the org's learned unigram ("not w" under a negator)
                hit = e.learned_not if negated else e.learned
                if hit is not None:
                    found.append((hit, i))
            if chain is not None and (e.content or chain.content):  # and the bigram ending here
                hit = chain.bigrams.get(word)
                if hit is not None:
                    found.append((hit, i - 1))
            if e.negator:
                last_neg = i
        prev, chain = e, e.chain
    if hits or found:
        _flush(hits, found, blended, _cut(pivot, comma, table.entry(toks[start])), weight, contrib)


def _cut(pivot: int, comma: int, first: Entry) -> int:
    """Where the sentence's contrast turns: its last "but", or the comma of "although X, Y" (-1: none)."""
    return pivot if pivot >= 0 else comma if comma >= 0 and first.concessive else -1


def _flush(hits, found, blended, cut: int, weight: float, contrib: dict) -> None:
    """Add one sentence's contributions: after its last "but" words count 1½, before it ½."""
    get = contrib.get
    for term, valence, pos in hits:
        side = weight if cut < 0 else weight * (BEFORE_BUT if pos < cut else AFTER_BUT)
        contrib[term] = get(term, 0.0) + valence * side
    if not found:
        return
    seen = set(blended)  # a rated general word already took its learned weight; others count once
    for (term, _, _, pull), pos in found:
        if term not in seen:
            seen.add(term)
            side = weight if cut < 0 else weight * (BEFORE_BUT if pos < cut else AFTER_BUT)
            contrib[term] = get(term, 0.0) + pull * side


def _score_word(e: Entry, toks, i: int, prev: Entry | None, negated: bool, table, hits, blended) -> int:
    """Score the sales phrase or general word at i; returns the first index not inside it."""
    phrase = _match(e, toks, i, table) if e.trie else None
    valence = phrase.weight if phrase else e.valence
    if not valence:
        return i
    if prev is not None and prev.booster:
        valence += math.copysign(prev.booster, valence)
    if negated:
        valence *= NEGATION_SCALAR
    if phrase:
        hits.append((phrase.label, valence, i))
        return i + len(phrase.stems)
    term, hit = e.word, e.learned_not if negated else e.learned
    if hit is not None:  # a general word the org has rated: its learned weight takes over as evidence grows
        term, learned, trust, _ = hit
        valence = (1.0 - trust) * valence + trust * learned
        blended.append(term)
    hits.append((term, valence, i))
    return i + 1


def _match(e: Entry, toks: list[str], i: int, table):
    """The longest sales phrase starting at i (words compared by stem; a break never matches)."""
    best, children = e.trie
    for j in range(i + 1, len(toks)):
        node = children.get(table.entry(toks[j]).stem) if children else None
        if node is None:
            break
        best, children = node[0] or best, node[1]
    return best
