"""Capture tests: the embedded CRM with a small dataset, the capture store, and a Graph stand-in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from addin_api.capture.http import Fetcher, capture_session
from addin_api.capture.microsoft import GraphSource
from addin_api.capture.service import CaptureDeps, run_pass
from addin_api.config import load_settings
from addin_api.crm.local.adapter import LocalCrm
from addin_api.crm.local.seed import load_dataset
from addin_api.store.capture import CaptureStore
from addin_api.store.db import make_engine, make_session_factory
from tests.keys import SECRET_KEY
from tests.standins.graph_mailboxes import GraphMailboxStandIn
from tests.standins.idp import TENANT

REP, REP2 = "rep@demo.example", "rep2@demo.example"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
DATASET = {
    "accounts": [
        {"key": "acme", "name": "Acme", "domain": "acme.example"},
        {"key": "globex", "name": "Globex", "domain": "globex.example"},
    ],
    "contacts": [
        {"key": "ada", "account": "acme", "email": "ada@acme.example", "name": "Ada"},
        {"key": "gina", "account": "globex", "email": "gina@globex.example", "name": "Gina"},
    ],
    "deals": [
        {
            "key": "acme",
            "account": "acme",
            "name": "Acme rollout",
            "stage": "Technical fit",
            "owner": REP,
            "contacts": [{"contact": "ada", "role": "Champion"}],
        },
        {
            "key": "globex",
            "account": "globex",
            "name": "Globex pilot",
            "stage": "Technical fit",
            "owner": REP2,
            "contacts": [{"contact": "gina", "role": "Champion"}],
        },
    ],
}


def ago(days: float) -> datetime:
    """A time `days` before the tests' fixed now."""
    return NOW - timedelta(days=days)


@dataclass
class Env:
    """One capture set-up: CRM, store, source, stand-in and deal ids."""

    crm: LocalCrm
    store: CaptureStore
    source: GraphSource
    graph: GraphMailboxStandIn
    deals: dict[str, str]
    waits: list

    def deps(self, **over) -> CaptureDeps:
        """Capture dependencies at the tests' fixed now."""
        return CaptureDeps(
            **{"source": self.source, "store": self.store, "crm": self.crm, "clock": lambda: NOW, **over}
        )

    def run(self, **over):
        """One pass."""
        return run_pass(self.deps(**over))

    def counts(self, key: str):
        """The captured counts of a deal, by dataset key."""
        return self.store.captured("local", [self.deals[key]]).get(self.deals[key])


def graph_source(graph: GraphMailboxStandIn, waits: list, **settings) -> GraphSource:
    """A Graph source pointed at the stand-in, two items a page, recording its throttling waits."""
    settings = load_settings(
        {},
        {
            "secret_key": SECRET_KEY,
            "ms_allowed_tenants": (TENANT,),
            **graph.settings_overrides(),
            "capture_page_size": 2,
            **settings,
        },
    )
    http = graph.trust(capture_session(5.0))
    fetcher = Fetcher(http, settings.capture_max_retry_after_seconds, sleep=waits.append)
    return GraphSource(settings, http, fetcher, clock=lambda: NOW)


@pytest.fixture
def graph():
    """The Graph stand-in."""
    with GraphMailboxStandIn() as standin:
        yield standin


@pytest.fixture
def capture_env(database_url, graph):
    """The embedded CRM with two deals, a migrated store and a Graph source pointed at the stand-in."""
    engine = make_engine(database_url)
    deals = load_dataset(engine, DATASET)
    waits: list[float] = []
    source = graph_source(graph, waits)
    yield Env(LocalCrm(engine), CaptureStore(make_session_factory(engine)), source, graph, deals, waits)
    engine.dispose()
