"""How Gmail views make buttons: the callback URL and the signer of the state each button carries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from addin_api.domain import FieldLimits
from addin_api.formatting import Formatter
from addin_api.gmail import cards
from addin_api.gmail.state import CardState


@dataclass(frozen=True)
class Links:
    """How views make buttons: the callback URL, and a signer for the state each button carries."""

    url: str
    sign: Callable[[CardState], str]
    fmt: Formatter = field(default_factory=Formatter)  # the rep's locale and time zone
    limits: FieldLimits = FieldLimits()  # the configured CRM's, so the card asks for what it accepts

    def call(self, handler: str, **state) -> dict:
        """An action calling `handler` back with this state, signed."""
        return cards.action(self.url, {"action": handler, "state": self.sign(CardState(**state))})
