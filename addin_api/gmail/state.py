"""State carried in card buttons (deal, version, message, choice): signed, bound to the rep, expiring.

Google hands action parameters back verbatim, so anything a card remembers is signed here and
checked on the way back; the services still re-check the rep's right to the deal on every call.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields

from itsdangerous import BadSignature, SignatureExpired

from addin_api.domain import Principal
from addin_api.errors import BadRequest
from addin_api.signing import timed_serializer

MAX_AGE_SECONDS = 2 * 3600  # a card left open longer must be reloaded
SALT = "addin-api.gmail.card-state"


@dataclass(frozen=True)
class CardState:
    """What a button remembers; fields left None are not sent."""

    deal_id: str | None = None
    version: str | None = None
    message_id: str | None = None  # RFC 5322 Message-ID of the open email
    change_id: str | None = None
    stage: str | None = None
    next_step: str | None = None
    rating: str | None = None  # "positive" | "negative" | "" (clear)
    choice: str | None = None  # conflict: "theirs" | "mine"; a closed stage: "confirmed"
    reading: list | None = None  # the open email's sentiment [score, label, [[term, weight], ...]]
    email: str | None = None  # a participant not in the CRM yet
    name: str | None = None
    company: str | None = None


_SHORT = dict(zip((f.name for f in fields(CardState)), "dvmcsnrkelao", strict=True))
_LONG = {short: name for name, short in _SHORT.items()}


class StateSigner:
    """Signs and checks card state with the app's secret key."""

    def __init__(
        self, secret_key: str, max_age: int = MAX_AGE_SECONDS, clock: Callable[[], float] = time.time
    ):
        self.max_age = max_age
        self._serializer = timed_serializer(secret_key, SALT, clock)

    def sign(self, rep: Principal, state: CardState) -> str:
        """A URL-safe token of the state, bound to this rep."""
        compact = {_SHORT[k]: v for k, v in asdict(state).items() if v is not None}
        return self._serializer.dumps({"u": rep.key, **compact})

    def load(self, rep: Principal, token: str | None) -> CardState:
        """The state a button carried; BadRequest if it is missing, forged, another rep's, or too old."""
        try:
            data = self._serializer.loads(token or "", max_age=self.max_age)
        except SignatureExpired:
            raise BadRequest("This card is too old. Close the add-on and open it again.") from None
        except BadSignature:
            raise BadRequest("This card could not be verified. Close the add-on and open it again.") from None
        if not isinstance(data, dict) or data.get("u") != rep.key:
            raise BadRequest("This card belongs to another session. Close the add-on and open it again.")
        return CardState(**{_LONG[k]: v for k, v in data.items() if k in _LONG})


def parameter(event: dict, name: str) -> str | None:
    """An action parameter Google sent back (always a string)."""
    value = ((event.get("commonEventObject") or {}).get("parameters") or {}).get(name)
    return value if isinstance(value, str) else None


def form_value(event: dict, name: str) -> str | None:
    """The first value of a form input (dropdown or text input), or None if the card had no such input."""
    inputs = (event.get("commonEventObject") or {}).get("formInputs") or {}
    values = ((inputs.get(name) or {}).get("stringInputs") or {}).get("value") or []
    return values[0] if values and isinstance(values[0], str) else None
