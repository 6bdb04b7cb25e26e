"""What the server adds to a warm sidebar open on Salesforce, over the CRM's own latency.

Run: python benchmarks/salesforce_overhead.py [--rounds 200] [--latency-ms 50]
The loopback Salesforce stand-in (tests/standins/salesforce.py) answers every /composite after
`--latency-ms`; the app runs in process (Flask test client, real RS256 tokens, SQLite store) on the demo set.
Each warm GET /api/v1/context is timed end to end, and the time spent inside Salesforce HTTP calls is
measured around the adapter's HTTP session: overhead = total − CRM time, per request. The stand-in shares
the process (and its GIL), so part of its own work shows up as "CRM time", none as overhead.
"""

from __future__ import annotations

import argparse
import logging
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from addin_api import create_app
from addin_api.crm.local.demo_data import demo_dataset
from tests.schema import migrate
from tests.standins.idp import TestIdentityProvider
from tests.standins.salesforce import SalesforceStandin, signing_key

CONTEXT = "/api/v1/context?email=nadia@northwind.example&email=leo@northwind.example&email=rep@demo.example"


def timed_session(http) -> list[float]:
    """Wrap `http.request` so every call's duration (ms) is appended to the returned list."""
    spent: list[float] = []
    request = http.request

    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return request(*args, **kwargs)
        finally:
            spent.append((time.perf_counter() - start) * 1000)

    http.request = timed
    return spent


def percentile(samples: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of `samples`."""
    ordered = sorted(samples)
    return ordered[max(0, int(round(p / 100 * len(ordered))) - 1)]


def main() -> None:
    """Warm up, then time `--rounds` sidebar opens and print total, CRM and overhead percentiles."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with (
        TestIdentityProvider() as idp,
        SalesforceStandin(public_key_pem=signing_key().public_pem) as sf,
        tempfile.TemporaryDirectory() as tmp,
    ):
        key = Path(tmp) / "sf-key.pem"
        key.write_text(signing_key().private_pem)
        migrate(f"sqlite:///{tmp}/store.db")
        app = create_app(
            {
                "database_url": f"sqlite:///{tmp}/store.db",
                "instance_path": tmp,
                "secret_key": secrets.token_urlsafe(32),
                "log_level": "WARNING",
                **idp.settings_overrides(),
                **sf.settings_overrides(str(key)),
            }
        )
        sf.load_dataset(demo_dataset())
        spent = timed_session(app.extensions["addin_api"].http)
        client, auth = app.test_client(), {"Authorization": f"Bearer {idp.mint(email='rep@demo.example')}"}
        assert client.get(CONTEXT, headers=auth).status_code == 200  # cold: token, org stages
        sf.delay("/composite", args.latency_ms / 1000, times=10**9)
        totals, crm, calls = [], [], []
        for _ in range(args.rounds):
            before = len(spent)
            start = time.perf_counter()
            r = client.get(CONTEXT, headers=auth)
            totals.append((time.perf_counter() - start) * 1000)
            assert r.status_code == 200
            crm.append(sum(spent[before:]))
            calls.append(len(spent) - before)
        overhead = [t - c for t, c in zip(totals, crm, strict=True)]
        print(
            f"warm sidebar open, Salesforce stand-in +{args.latency_ms:.0f} ms per call, {args.rounds} rounds"
        )
        print(f"Salesforce requests per open: {statistics.mean(calls):.2f}")
        print("| | p50 ms | p99 ms |")
        print("|---|---|---|")
        for name, samples in (
            ("total", totals),
            ("inside Salesforce calls", crm),
            ("server overhead", overhead),
        ):
            print(f"| {name} | {percentile(samples, 50):.1f} | {percentile(samples, 99):.1f} |")


if __name__ == "__main__":
    main()
