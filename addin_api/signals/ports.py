"""The port to an organisation's learned lexicon (counts of rated terms), implemented in store/lexicon.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class OrgCounts:
    """An org's learned counts: votes per side and, per term, (positive, negative) ratings it appeared in."""

    version: str = ""  # changes on every change of the counts; "" = nothing learned yet
    pos_votes: int = 0
    neg_votes: int = 0
    terms: dict[str, tuple[int, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class TermCount:
    """One learned term with the number of 👍 and 👎 ratings it appeared in."""

    term: str
    pos: int
    neg: int


class LexiconPort(Protocol):
    """Per-organisation term counts learned from ratings; never email text, never shared across orgs."""

    def version(self, org: str) -> str:
        """A token that changes whenever the org's counts change ("" if it has none)."""

    def counts(self, org: str) -> OrgCounts:
        """The org's votes and term counts."""

    def apply_vote(
        self,
        org: str,
        user_key: str,
        message_key: str,
        rating: str | None,
        terms: Sequence[str],
        session: Any = None,
    ) -> bool:
        """Record, replace or (rating None) remove one rep's vote on one email; True if counts changed.

        With `session`, runs inside the caller's transaction (the rating's own); otherwise in its own.
        """

    def top_terms(self, org: str, limit: int) -> list[TermCount]:
        """The org's most-rated terms, most evidence first."""

    def replace(self, org: str, counts: OrgCounts) -> None:
        """Set the org's counts wholesale (import from another installation)."""
