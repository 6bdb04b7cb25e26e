"""One word → everything the scorer needs to know about it, built once per word (cold) and per org version."""

from __future__ import annotations

from functools import cache

from addin_api.signals.lexicons import BREAKS, NEGATORS, Phrase, cold_lexicon, stem

MAX_WORD = 40  # longer "words" are links or ids: never learned
CONTRASTS = frozenset({"but", "however"})
CONCESSIVES = frozenset({"although", "though", "while", "despite"})
COLD_WORDS = 100_000  # words remembered process-wide (a bound against endless ids and typos)
ORG_WORDS = 4_096  # cold words an org's table keeps beside its learned ones (the rest are looked up twice)
WORD, BREAK, COMMA, CONTRAST = 0, 1, 2, 3

_STOPWORDS_TEXT = """
a an the and or of to in on at for from by with as is are was were be been being it its it's
this that these those i we you he she they me us our your my their his her them i'm we're we've
we'll you're i've i'll i'd we'd have has had do does did will would shall should can could may
might must so if then than there here what which who when where how all any some just also about
into over up out hi hello dear re fw fwd but however
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())

# A sales-phrase trie node: (the phrase ending here or None, next stem → node or None).
Node = tuple[Phrase | None, dict | None]
# A learned term as the scorer uses it: (term, weight on VADER's scale, trust in [0, 1), weight × trust).
Hit = tuple[str, float, float, float]


class Entry:
    """A token's kind, cold valence, booster and sales phrases, and (per org) the terms it was rated in."""

    __slots__ = (
        "word",
        "stem",
        "kind",
        "valence",
        "booster",
        "trie",
        "active",
        "scores",
        "taught",
        "chain",
        "negator",
        "concessive",
        "content",
        "chains",
        "learned",
        "learned_not",
        "bigrams",
    )

    def __init__(self, word: str):
        lex = cold_lexicon()
        self.word, self.stem = word, stem(word)
        self.kind = (
            BREAK if word in BREAKS else COMMA if word == "," else CONTRAST if word in CONTRASTS else WORD
        )
        self.valence = lex.words.get(word, 0.0)
        self.booster = lex.boosters.get(word, 0.0)
        self.trie: Node | None = _tries().get(self.stem)
        self.negator, self.concessive = word in NEGATORS, word in CONCESSIVES
        self.chains = self.kind != COMMA and len(word) <= MAX_WORD  # may be the first word of a bigram
        self.content = self.chains and word not in STOPWORDS and not self.negator and not word.isdigit()
        self.learned: Hit | None = None
        self.learned_not: Hit | None = None
        self.bigrams: dict[str, Hit] | None = None
        self.refresh()

    def refresh(self) -> None:
        """Whether the scorer must look closer at this token (most tokens carry nothing)."""
        self.scores = bool(self.valence or self.trie)
        self.taught = self.content and (self.learned is not None or self.learned_not is not None)
        self.active = self.scores or self.negator or self.taught
        self.chain = self if self.bigrams is not None else None  # may start a learned bigram

    def copy(self) -> Entry:
        """The same cold facts, with room for an org's learned terms."""
        twin = object.__new__(Entry)
        for name in Entry.__slots__:
            setattr(twin, name, getattr(self, name))
        return twin


class Table:
    """word → Entry: the cold lexicons' facts, with an org's learned terms merged in when it has any."""

    __slots__ = ("words", "limit", "fallback")

    def __init__(self, limit: int, fallback: Table | None = None):
        self.words: dict[str, Entry] = {}  # a plain dict: the scorer's subscript is CPython's fast path
        self.limit, self.fallback = limit, fallback

    def miss(self, word: str) -> Entry:
        """A word not seen yet: its cold entry, remembered while the table is under its bound."""
        entry = self.fallback.entry(word) if self.fallback else Entry(word)
        if len(self.words) < self.limit:
            self.words[word] = entry
        return entry

    def entry(self, word: str) -> Entry:
        """The word's entry."""
        return self.words.get(word) or self.miss(word)


@cache
def cold_table() -> Table:
    """The process-wide cold table (its entries are shared and never changed)."""
    return Table(COLD_WORDS)


def org_table(weights: dict[str, tuple[float, float]]) -> Table:
    """An org's table from its learned weights (term → (weight, trust)), built once per lexicon version."""
    table, cold = Table(0, cold_table()), cold_table()
    words = table.words

    def own(word: str) -> Entry:
        if word not in words:
            words[word] = cold.entry(word).copy()
        return words[word]

    for term, (weight, trust) in weights.items():
        hit, parts = (term, weight, trust, weight * trust), term.split(" ")
        if len(parts) == 1:
            own(parts[0]).learned = hit
            own(parts[0]).refresh()
        elif len(parts) == 2:
            first = own(parts[0])
            if first.bigrams is None:
                first.bigrams = {}
            first.bigrams[parts[1]] = hit
            first.refresh()
            if parts[0] == "not":  # "not w" is also w read under any negator within reach
                own(parts[1]).learned_not = hit
                own(parts[1]).refresh()
    table.limit = len(words) + ORG_WORDS
    return table


@cache
def _tries() -> dict[str, Node]:
    """The sales phrases as one trie per first stem, so matching walks the following words once."""
    out = {}
    for first, phrases in cold_lexicon().phrases.items():
        root: list = [None, {}]
        for phrase in phrases:  # longest first; of two with the same stems the first listed wins
            node = root
            for s in phrase.stems[1:]:
                node = node[1].setdefault(s, [None, {}])
            node[0] = node[0] or phrase
        out[first] = _frozen(root)
    return out


def _frozen(node: list) -> Node:
    return node[0], ({k: _frozen(v) for k, v in node[1].items()} or None)
