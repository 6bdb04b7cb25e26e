"""Latency of the rep's hot paths (sidebar open, deal view, save, rate) on the embedded CRM, in process.

Run: python benchmarks/api_latency.py [--deals 2000] [--rounds 300]
Loads the demo set plus `--deals` generated deals (5 emails each) into a temporary SQLite file, signs
requests with a loopback identity provider (keys cached after the first call, as in production) and
reports p50/p95/max per endpoint through the Flask test client, so the figures exclude network and
gunicorn but include token validation, SQL and JSON.
"""

from __future__ import annotations

import argparse
import logging
import secrets
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from addin_api import create_app
from addin_api.crm.local.demo_data import demo_dataset
from addin_api.crm.local.seed import load_dataset
from addin_api.domain import utcnow
from tests.schema import migrate
from tests.standins.idp import TestIdentityProvider


def bulk_dataset(n: int) -> dict:
    """`n` extra deals across 200 accounts and 40 reps, each deal with one contact and five emails."""
    now = utcnow()
    accounts = [{"key": f"a{i}", "name": f"Account {i}"} for i in range(200)]
    contacts = [
        {"key": f"c{i}", "account": f"a{i}", "email": f"buyer{i}@acct{i}.example", "name": f"Buyer {i}"}
        for i in range(200)
    ]
    deals = [
        {
            "key": f"d{i}",
            "account": f"a{i % 200}",
            "name": f"Deal {i}",
            "stage": "Technical fit",
            "amount": "1000",
            "owner": "rep@demo.example" if i % 40 == 0 else f"rep{i % 40}@demo.example",
            "contacts": [{"contact": f"c{i % 200}", "role": "Champion"}],
            "emails": [
                {
                    "message_id": f"<d{i}.{k}@x.example>",
                    "from": f"buyer{i % 200}@acct{i % 200}.example",
                    "to": ["rep@demo.example"],
                    "sent_at": (now - timedelta(days=k * 7)).isoformat(),
                    "direction": "inbound" if k % 2 else "outbound",
                }
                for k in range(5)
            ],
        }
        for i in range(n)
    ]
    return {"accounts": accounts, "contacts": contacts, "deals": deals}


def bench_app(idp, tmp: str, deals: int):
    """The app on a migrated SQLite file in `tmp` with the demo set plus `deals` deals; (app, demo ids)."""
    migrate(f"sqlite:///{tmp}/bench.db")  # as `addin-api db upgrade` would
    app = create_app(
        {
            "database_url": f"sqlite:///{tmp}/bench.db",
            "instance_path": tmp,
            "secret_key": secrets.token_urlsafe(32),
            "log_level": "WARNING",
            "view_cache_mb": 0,  # the computed path: repeated reads would be kept answers (throughput.py)
            **idp.settings_overrides(),
        }
    )
    engine = app.extensions["addin_api"].engine
    ids = load_dataset(engine, demo_dataset())
    load_dataset(engine, bulk_dataset(deals))
    return app, ids


def measure(fn, rounds: int) -> dict:
    """p50/p95/max in milliseconds of `rounds` calls after one warm-up call."""
    fn()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {
        "p50": statistics.median(samples),
        "p95": samples[int(len(samples) * 0.95) - 1],
        "max": samples[-1],
    }


def main() -> None:
    """Build the data set, run each scenario, print a Markdown table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--deals", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with TestIdentityProvider() as idp, tempfile.TemporaryDirectory() as tmp:
        app, ids = bench_app(idp, tmp, args.deals)
        client = app.test_client()
        auth = {"Authorization": f"Bearer {idp.mint(email='rep@demo.example')}"}
        deal = ids["nw-fleet"]
        counter = iter(range(10**9))

        def save():
            version = client.get(f"/api/v1/deals/{deal}", headers=auth).get_json()["version"]
            r = client.patch(
                f"/api/v1/deals/{deal}",
                headers=auth,
                json={"version": version, "next_step": f"n{next(counter)}"},
            )
            assert r.status_code == 200, r.get_json()

        def rate():
            r = client.post(
                f"/api/v1/deals/{deal}/emails",
                headers=auth,
                json={
                    "message_id": "<bench@x.example>",
                    "subject": "s",
                    "from": "nadia@northwind.example",
                    "to": ["rep@demo.example"],
                    "sent_at": "2026-11-20T10:00:00+00:00",
                    "rating": "positive" if next(counter) % 2 else "negative",
                },
            )
            assert r.status_code == 200

        scenarios = {
            "GET /context (sidebar open, 3 participants)": lambda: client.get(
                "/api/v1/context?email=nadia@northwind.example&email=leo@northwind.example&email=rep@demo.example",
                headers=auth,
            ),
            "GET /deals/<id>": lambda: client.get(f"/api/v1/deals/{deal}", headers=auth),
            f"GET /pipeline ({len(range(0, args.deals, 40)) + 8} open deals)": lambda: client.get(
                "/api/v1/pipeline", headers=auth
            ),
            "GET + PATCH /deals/<id> (load, then save)": save,
            "POST /deals/<id>/emails (rate)": rate,
        }
        print(f"| scenario ({args.deals} extra deals, {args.rounds} rounds) | p50 ms | p95 ms | max ms |")
        print("|---|---|---|---|")
        for name, fn in scenarios.items():
            r = measure(fn, args.rounds if "pipeline" not in name else max(20, args.rounds // 10))
            print(f"| {name} | {r['p50']:.1f} | {r['p95']:.1f} | {r['max']:.1f} |")


if __name__ == "__main__":
    main()
