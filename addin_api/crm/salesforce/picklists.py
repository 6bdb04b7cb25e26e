"""Which stages each opportunity record type allows: fetched once per cache lifetime, for all workers."""

from __future__ import annotations

import threading
from collections.abc import Callable

from addin_api.crm.salesforce.client import SalesforceClient, SfSession
from addin_api.crm.shared_cache import SharedCache

MASTER_RECORD_TYPE = "012000000000000AAA"  # opportunities without a record type use every active stage


class TtlCache:
    """A small thread-safe dict whose entries expire; stage lists change rarely but do change."""

    def __init__(self, ttl: float, clock: Callable[[], float]):
        self.ttl, self.clock, self._data, self._lock = ttl, clock, {}, threading.Lock()

    def get(self, key):
        """The live value, or None if absent or expired."""
        with self._lock:
            expires, value = self._data.get(key, (0.0, None))
        return value if expires > self.clock() else None

    def matching(self, keep: Callable[[object, object], bool]) -> list:
        """Keys of the live entries for which `keep(key, value)` holds."""
        now = self.clock()
        with self._lock:
            return [k for k, (expires, v) in self._data.items() if expires > now and keep(k, v)]

    def put(self, key, value, ttl: float | None = None) -> None:
        """Store a value for one TTL, or for the `ttl` seconds it has left elsewhere."""
        with self._lock:
            self._data[key] = (self.clock() + min(self.ttl, self.ttl if ttl is None else ttl), value)


class _KeyLocks:
    """One lock per key (single flight): many first requests for one key make one fetch, the rest wait."""

    def __init__(self):
        self._guard, self._locks = threading.Lock(), {}

    def __call__(self, key) -> threading.Lock:
        """The lock of `key` (created on first use; a handful of keys per org, so never dropped)."""
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())


class Picklists:
    """StageName values per record type: this worker's memory, then the shared store, then the UI API."""

    def __init__(
        self, client: SalesforceClient, ttl: float, clock: Callable[[], float], shared: SharedCache | None
    ):
        self.client, self.ttl, self.shared = client, ttl, shared
        self._cache = TtlCache(ttl, clock)  # per (instance_url, record type id)
        self._locks = _KeyLocks()

    def allowed(self, s: SfSession, record_types: set[str]) -> dict[str, frozenset | None]:
        """StageName values per record type (None = all active stages), from cache or the UI API."""
        allowed: dict[str, frozenset | None] = {MASTER_RECORD_TYPE: None}
        missing = []
        for rt in record_types - {MASTER_RECORD_TYPE}:
            allowed[rt] = self._cache.get((s.instance_url, rt))
            if allowed[rt] is None:
                missing.append(rt)
        # Cold cache only: one call per record type seen for the first time. Direct GETs, because the
        # composite resource documents sObject and query subrequests, not the UI API.
        for rt in missing:
            allowed[rt] = self._fetch(s, rt)
        return allowed

    def record_types_with(self, s: SfSession, org_stage_ids: set[str], stage_id: str | None) -> tuple | None:
        """Record types (None: no record type) whose cached stages have `stage_id`; None for no stage."""
        if stage_id is None:
            return None
        master = (None, MASTER_RECORD_TYPE) if stage_id in org_stage_ids else ()
        cached = self._cache.matching(lambda key, names: key[0] == s.instance_url and stage_id in names)
        return (*master, *(rt for _, rt in cached))

    def _fetch(self, s: SfSession, record_type: str) -> frozenset:
        """One record type's StageName values; concurrent first requests, in all workers, share one call."""
        key = (s.instance_url, record_type)
        with self._locks(key):  # one thread per process asks the shared cache
            if (cached := self._cache.get(key)) is not None:  # fetched while we waited
                return cached
            if self.shared is None:
                values, left = self._ask(s, record_type), None
            else:
                shared_key = f"picklist:{s.instance_url}:{record_type}"
                entry = self.shared.get(shared_key) or self.shared.get_or_fetch(
                    shared_key, lambda: sorted(self._ask(s, record_type)), self.ttl
                )
                values, left = frozenset(entry.value), entry.seconds_left
            self._cache.put(key, values, left)  # never outlives the shared entry it came from
            return values

    def _ask(self, s: SfSession, record_type: str) -> frozenset:
        """One UI API call: the StageName values of a record type (the store is not written meanwhile)."""
        body = self.client.api(
            s, "GET", f"/ui-api/object-info/Opportunity/picklist-values/{record_type}/StageName"
        )
        return frozenset(v["value"] for v in body.get("values", []))
