"""The cold lexicons: VADER's general one and our sales phrases, loaded once per process."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

TOKEN = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*|[.!?;:,\n]")
BREAKS = frozenset(".!?;:\n")
NEGATION_REACH = 3  # words after a negator that it still flips (VADER looks 3 back)
_NEGATORS_TEXT = """
not no never none nobody nothing nor neither without cannot can't won't don't doesn't didn't
isn't aren't wasn't weren't haven't hasn't hadn't shouldn't wouldn't couldn't mustn't cant wont
dont doesnt didnt isnt arent wasnt werent havent hasnt hadnt shouldnt wouldnt couldnt
"""
NEGATORS = frozenset(_NEGATORS_TEXT.split())


def tokens(text: str) -> list[str]:
    """Lower-cased words (apostrophes and hyphens kept inside) and punctuation breaks."""
    return TOKEN.findall(text.lower().replace("\u2019", "'"))


@cache
def stem(word: str) -> str:
    """A crude suffix strip so "reallocated", "reallocating" and "reallocate" meet (cached per word)."""
    for suffix, repl, min_len in (
        ("ing", "", 6),
        ("ied", "y", 5),
        ("ies", "y", 5),
        ("ed", "", 5),
        ("s", "", 4),
    ):
        if len(word) >= min_len and word.endswith(suffix) and not word.endswith("ss"):
            word = word[: -len(suffix)] + repl
            break
    return word[:-1] if len(word) >= 4 and word.endswith("e") else word


@dataclass(frozen=True)
class Phrase:
    """A sales phrase: its stems, the words shown to reps, and its weight on VADER's scale."""

    stems: tuple[str, ...]
    label: str
    weight: float


@dataclass(frozen=True, eq=False)
class ColdLexicon:
    """VADER's word valences and boosters plus our phrases indexed by first stem (longest first)."""

    words: dict[str, float]
    boosters: dict[str, float]
    phrases: dict[str, tuple[Phrase, ...]]


@cache
def cold_lexicon() -> ColdLexicon:
    """Built once per process: VADER's analyzer reads its lexicon file once, our JSON once."""
    from vaderSentiment.vaderSentiment import BOOSTER_DICT, SentimentIntensityAnalyzer

    words = {w: v for w, v in SentimentIntensityAnalyzer().lexicon.items() if w not in NEGATORS}
    raw = json.loads(resources.files(__package__).joinpath("sales_lexicon.json").read_text("utf-8"))
    index: dict[str, list[Phrase]] = {}
    for label, weight in raw["terms"].items():
        stems = tuple(stem(t) for t in tokens(label))
        index.setdefault(stems[0], []).append(Phrase(stems, label, float(weight)))
    phrases = {k: tuple(sorted(v, key=lambda p: -len(p.stems))) for k, v in index.items()}
    return ColdLexicon(words, dict(BOOSTER_DICT), phrases)
