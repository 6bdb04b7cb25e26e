"""Answers to repeated reads (deal view, sidebar open, pipeline page), kept while nothing they read changed.

Only for a CRM kept in the app's database (the embedded CRM): there, every change is a committed write
that moves the data stamp (addin_api/store/stamp.py), so one stamp read proves a kept answer is still
exactly what the view would compute. A SaaS CRM changes behind our back, so its reads always ask it.
Entries are per signed-in rep (what a rep may see and edit differs), per path and query, and live at
most `MAX_AGE_S` whatever the stamp: deal links are signed for an hour and "days since" moves with time.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from flask import Response, g, request

from addin_api.crm.port import KeptInAppDatabase
from addin_api.state import get_state
from addin_api.store.stamp import DataStamp

CACHED_ENDPOINTS = frozenset({"api.DealById", "api.Context", "api.Pipeline"})
MAX_AGE_S = 60.0
FLIGHT_WAIT_S = 5.0  # longest a read waits for an identical one already computing; then it computes too
JSON = "application/json"


class ViewCache:
    """A thread-safe map of (key → stamp, birth, body), least recently used out first, bounded in bytes."""

    def __init__(self, stamp: Callable[[], str], max_bytes: int, clock: Callable[[], float] = time.monotonic):
        self.stamp, self.clock = stamp, clock
        self._max_bytes, self._bytes = max_bytes, 0
        self._entries: OrderedDict[tuple, tuple[str, float, bytes]] = OrderedDict()
        self._flights: dict[tuple, threading.Event] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple, stamp: str) -> bytes | None:
        """The body kept for `key` if it was computed at `stamp` less than MAX_AGE_S ago."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] != stamp or self.clock() - entry[1] >= MAX_AGE_S:
                self._drop(key)
                return None
            self._entries.move_to_end(key)
            return entry[2]

    def put(self, key: tuple, stamp: str, born: float, body: bytes) -> None:
        """Keep `body`, computed from data read after `stamp` was read at `born`."""
        if len(body) > self._max_bytes // 8:  # one huge page must not flush everyone else's
            return
        with self._lock:
            self._drop(key)
            self._entries[key] = (stamp, born, body)
            self._bytes += len(body)
            while self._bytes > self._max_bytes:
                self._drop(next(iter(self._entries)))

    def claim(self, key: tuple, stamp: str) -> threading.Event | None:
        """None: the caller computes this answer (then `release`s it); else the event its computer sets.

        After a write every reader of a popular view misses at once; one computes, the others wait.
        """
        with self._lock:
            flight = self._flights.get((key, stamp))
            if flight is None:
                self._flights[(key, stamp)] = threading.Event()
            return flight

    def release(self, key: tuple, stamp: str) -> None:
        """The claimed answer is kept (or will not be): wake whoever waits for it."""
        with self._lock:
            flight = self._flights.pop((key, stamp), None)
        if flight is not None:
            flight.set()

    def _drop(self, key: tuple) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= len(entry[2])


def build_view_cache(settings, engine) -> ViewCache | None:
    """The app's cache, or None when it is off."""
    if settings.view_cache_mb <= 0:
        return None
    return ViewCache(DataStamp(engine).current, settings.view_cache_mb * 1024 * 1024)


def _in_our_database(crm) -> bool:
    return isinstance(crm, KeptInAppDatabase) and crm.kept_in_app_database()


def serve_kept() -> Response | None:
    """before_request (after sign-in): answer a repeated read from the cache while its stamp holds."""
    state = get_state()
    cache = state.view_cache
    if cache is None or request.method != "GET" or request.endpoint not in CACHED_ENDPOINTS:
        return None
    if not _in_our_database(state.crm):
        return None
    rep = g.principal
    key = (request.full_path, rep.key, rep.email.lower(), rep.org_key)
    stamp, born = cache.stamp(), cache.clock()  # read before the view reads its data
    body = cache.get(key, stamp)
    claimed = body is None and (flight := cache.claim(key, stamp)) is None
    if body is None and not claimed:
        flight.wait(FLIGHT_WAIT_S)
        body = cache.get(key, stamp)
    if body is not None:
        return Response(body, 200, mimetype=JSON)
    g.view_cache, g.view_cache_claim = (key, stamp, born), claimed
    return None


def keep(response: Response) -> Response:
    """after_request: keep a fresh 200 answer for the next identical read."""
    pending = g.get("view_cache")
    if pending and response.status_code == 200 and response.mimetype == JSON:
        get_state().view_cache.put(*pending, response.get_data())
    return response


def release(_exc=None) -> None:
    """teardown_request (also after a failure): let reads waiting for this answer go on."""
    pending = g.pop("view_cache", None)
    if pending and g.pop("view_cache_claim", False):
        get_state().view_cache.release(*pending[:2])
