"""Pure rules of capture: who is on our side, who is excluded, and which deals an item belongs to."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


def _domain(address: str) -> str:
    return address.rpartition("@")[2].lower()


@dataclass(frozen=True)
class Parties:
    """Our own domains and the addresses/domains an admin excluded from capture."""

    internal_domains: frozenset[str]
    excluded: frozenset[str]  # lower-cased addresses and bare domains

    @classmethod
    def of(cls, mailboxes: Iterable[str], exclude: Iterable[str]) -> Parties:
        """Our domains are the captured mailboxes' domains."""
        return cls(
            frozenset(_domain(m) for m in mailboxes if "@" in m),
            frozenset(e.strip().lower().lstrip("@") for e in exclude if e.strip()),
        )

    def is_internal(self, address: str) -> bool:
        """True for an address of our own organisation."""
        return _domain(address) in self.internal_domains

    def is_excluded(self, address: str) -> bool:
        """True when the address or its domain is listed in ADDIN_CAPTURE_EXCLUDE."""
        address = address.lower()
        return address in self.excluded or _domain(address) in self.excluded

    def external(self, addresses: Sequence[str]) -> list[str]:
        """The outside people among `addresses` (ours and excluded ones dropped), lower-cased, once each."""
        seen = dict.fromkeys(a.strip().lower() for a in addresses if a and "@" in a)
        return [a for a in seen if not self.is_internal(a) and not self.is_excluded(a)]

    def direction(self, sender: str) -> str:
        """`out` when our side sent it, `in` when the buyer did."""
        return "out" if self.is_internal(sender) else "in"


def deals_of(addresses: Iterable[str], deals_by_address: dict[str, tuple[str, ...]]) -> list[str]:
    """The open deals any of these people is on, each once, in a stable order."""
    found: dict[str, None] = {}
    for address in addresses:
        found.update(dict.fromkeys(deals_by_address.get(address, ())))
    return list(found)
