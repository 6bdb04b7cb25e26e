"""A change log of mailbox folders shared by the Graph and Google capture stand-ins.

Every add, change or removal gets the next sequence number; a delta/history/sync token is a sequence
number, so "what changed since token T" is the latest state of each item changed after T.
"""

from __future__ import annotations

import base64
import json
import threading


class ChangeLog:
    """Items of each (mailbox, folder) with their change history, plus throttling and token expiry."""

    def __init__(self):
        self._lock = threading.Lock()
        self.seq = 0
        self.entries: list[tuple[int, str, str, str, dict | None]] = []  # seq, mailbox, folder, id, item
        self._by_folder: dict[tuple[str, str], list[tuple[int, str, dict | None]]] = {}
        self.generation: dict[str, int] = {}  # mailbox -> bumps when its tokens are expired
        self.throttled: list[int] = []  # Retry-After seconds of the next throttled answers, in order

    def put(self, mailbox: str, folder: str, item_id: str, item: dict | None) -> int:
        """Record an item's new state (None = removed); its sequence number."""
        with self._lock:
            self.seq += 1
            self.entries.append((self.seq, mailbox.lower(), folder, item_id, item))
            self._by_folder.setdefault((mailbox.lower(), folder), []).append((self.seq, item_id, item))
            return self.seq

    def changed(
        self, mailbox: str, folder: str, lo: int, hi: int, removed: bool
    ) -> list[tuple[str, dict | None]]:
        """Latest state of each item changed in (lo, hi], in order of first change; removals only if asked."""
        latest: dict[str, dict | None] = {}
        for seq, item_id, item in self._by_folder.get((mailbox.lower(), folder), []):
            if lo < seq <= hi:
                latest[item_id] = item
        return [(i, it) for i, it in latest.items() if it is not None or removed]

    def current(self, mailbox: str, folder: str, item_id: str) -> dict | None:
        """An item's present state."""
        found = None
        for _, i, item in self._by_folder.get((mailbox.lower(), folder), []):
            if i == item_id:
                found = item
        return found

    def expire(self, mailbox: str) -> None:
        """Invalidate every token handed out for this mailbox (the next use gets the vendor's 'expired')."""
        self.generation[mailbox.lower()] = self.generation.get(mailbox.lower(), 0) + 1

    def throttle(self, retry_after: int, times: int = 1) -> None:
        """The next `times` requests are answered 429 with this Retry-After."""
        self.throttled.extend([retry_after] * times)

    def take_throttle(self) -> int | None:
        """Retry-After of the next throttled answer, if one is due."""
        with self._lock:
            return self.throttled.pop(0) if self.throttled else None


def pack(state: dict) -> str:
    """An opaque token carrying `state`."""
    return base64.urlsafe_b64encode(json.dumps(state, sort_keys=True).encode()).decode().rstrip("=")


def unpack(token: str) -> dict | None:
    """The state inside a token, None if it is not one of ours."""
    try:
        return json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except ValueError:
        return None
