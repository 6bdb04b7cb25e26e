"""Activity capture over many mailboxes: the first full pass, then a pass with nothing new.

Run: python benchmarks/capture_bench.py [--mailboxes 50] [--messages 2000] [--page 100]
The Graph stand-in (loopback HTTPS, real msal client-credentials sign-in) serves `--mailboxes` inboxes of
`--messages` messages each (one in ten from a CRM contact on an open deal, the rest from strangers), an
empty sent folder and calendar; capture writes to a temporary SQLite file with the embedded CRM. Reports
requests and wall time of both passes, and how much of the first pass was spent waiting on the source.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from addin_api.capture.http import Fetcher, capture_session
from addin_api.capture.microsoft import GraphSource
from addin_api.capture.service import CaptureDeps, run_pass
from addin_api.config import load_settings
from addin_api.crm.local.adapter import LocalCrm
from addin_api.crm.local.seed import load_dataset
from addin_api.domain import utcnow
from addin_api.store.capture import CaptureStore
from addin_api.store.db import make_engine, make_session_factory
from tests.keys import SECRET_KEY
from tests.schema import migrate
from tests.standins.graph_mailboxes import GraphMailboxStandIn
from tests.standins.idp import TENANT

ACCOUNTS = 100


def dataset(reps: list[str]) -> dict:
    """One deal per account, each with one buyer contact, owned round-robin by the reps."""
    return {
        "accounts": [{"key": f"a{i}", "name": f"Account {i}"} for i in range(ACCOUNTS)],
        "contacts": [
            {"key": f"c{i}", "account": f"a{i}", "email": f"buyer{i}@acct{i}.example", "name": f"B{i}"}
            for i in range(ACCOUNTS)
        ],
        "deals": [
            {
                "key": f"d{i}",
                "account": f"a{i}",
                "name": f"Deal {i}",
                "stage": "Technical fit",
                "owner": reps[i % len(reps)],
                "contacts": [{"contact": f"c{i}", "role": "Champion"}],
            }
            for i in range(ACCOUNTS)
        ],
    }


class TimedFetcher(Fetcher):
    """A Fetcher that adds up the time spent waiting on the source's answers."""

    waited = 0.0

    def get(self, url, headers, params=None):
        """The answer, timed."""
        start = time.perf_counter()
        try:
            return super().get(url, headers, params)
        finally:
            self.waited += time.perf_counter() - start


def main() -> None:
    """Fill the stand-in, run two passes, print the figures."""
    args = argparse.ArgumentParser()
    args.add_argument("--mailboxes", type=int, default=50)
    args.add_argument("--messages", type=int, default=2000)
    args.add_argument("--page", type=int, default=100)
    a = args.parse_args()
    logging.disable(logging.INFO)
    reps = [f"rep{i}@demo.example" for i in range(a.mailboxes)]
    now = utcnow()
    with tempfile.TemporaryDirectory() as tmp, GraphMailboxStandIn() as graph:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        migrate(url)
        engine = make_engine(url)
        load_dataset(engine, dataset(reps))
        for r, rep in enumerate(reps):
            for m in range(a.messages):
                known = m % 10 == 0
                sender = (
                    f"buyer{(r + m) % ACCOUNTS}@acct{(r + m) % ACCOUNTS}.example"
                    if known
                    else f"x{m}@spam.example"
                )
                graph.add_message(
                    rep, "inbox", f"<{r}.{m}@bench>", sender, [rep], now - timedelta(minutes=m + 1)
                )
        overrides = {"secret_key": SECRET_KEY, "ms_allowed_tenants": (TENANT,), **graph.settings_overrides()}
        settings = load_settings({}, {**overrides, "capture_page_size": a.page})
        http = graph.trust(capture_session(30.0))
        fetcher = TimedFetcher(http)
        source = GraphSource(settings, http, fetcher)
        deps = CaptureDeps(
            source, CaptureStore(make_session_factory(engine)), LocalCrm(engine), mailboxes=tuple(reps)
        )
        for label in ("first full pass", "pass with nothing new"):
            before, fetcher.waited = len(graph.requests), 0.0
            start = time.perf_counter()
            result = run_pass(deps)
            took = time.perf_counter() - start
            calls = len(graph.requests) - before
            print(
                f"{label}: {calls} Graph requests ({calls / a.mailboxes:.1f} per mailbox), {took:.1f} s, "
                f"waiting on Graph {fetcher.waited:.1f} s, items counted {result.items_added}, "
                f"deals written {result.deals_written}"
            )
        engine.dispose()


if __name__ == "__main__":
    main()
