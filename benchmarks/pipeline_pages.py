"""Server time of one pipeline page as a rep's book grows, and the embedded CRM's query plans for it.

Run: python benchmarks/pipeline_pages.py [--books 50,400,1300,5000] [--rounds 30] [--postgres] [--kept]
For each book size, a fresh database (SQLite file, or with --postgres a throwaway cluster as in
tests/postgres.py) holds the demo set plus that many open deals for rep@demo.example (5 emails each) and
as many again for other reps; the first 50-deal page and a page in the middle are timed in process through
the Flask test client (token validation, SQL, health, JSON), each computed (view cache off; `--kept`:
on, so repeats are kept answers). Then the page query's plan is printed (EXPLAIN QUERY PLAN on SQLite,
EXPLAIN on PostgreSQL).
"""

from __future__ import annotations

import argparse
import contextlib
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
from addin_api.crm.local.seed import load_dataset
from addin_api.domain import Principal
from benchmarks.api_latency import bulk_dataset
from tests.schema import migrate
from tests.standins.idp import TestIdentityProvider

REP = "rep@demo.example"


@contextlib.contextmanager
def databases(postgres: bool, folder: Path):
    """A factory of fresh database URLs: SQLite files, or databases of one throwaway PostgreSQL cluster."""
    if not postgres:
        names = iter(range(10**6))
        yield lambda: f"sqlite:///{folder / f'book{next(names)}.db'}"
        return
    from tests.postgres import Cluster

    with Cluster() as cluster, contextlib.ExitStack() as stack:
        yield lambda: stack.enter_context(cluster.fresh_database(migrated=False))


def app_with_book(url: str, tmp: str, idp, book: int, view_cache_mb: int = 0):
    """An app on `url` whose rep owns `book` open deals (of 2 × book generated ones)."""
    migrate(url)
    app = create_app(
        {
            "database_url": url,
            "instance_path": tmp,
            "secret_key": secrets.token_urlsafe(32),
            "log_level": "WARNING",
            "view_cache_mb": view_cache_mb,  # 0: every page computed; else repeated pages are kept answers
            **idp.settings_overrides(),
        }
    )
    engine = app.extensions["addin_api"].engine
    load_dataset(engine, demo_dataset())
    data = bulk_dataset(2 * book)
    for i, deal in enumerate(data["deals"]):
        deal["owner"] = REP if i % 2 == 0 else "other@demo.example"
        deal["close_date"] = f"2027-{1 + i % 12:02d}-{1 + i % 28:02d}"
    load_dataset(engine, data)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:  # planner statistics of the data just loaded, as autovacuum would
            conn.exec_driver_sql("ANALYZE")
    return app


def timed(client, url: str, auth: dict, rounds: int) -> tuple[float, float, dict]:
    """p50 and max (ms) of `rounds` GETs after a warm-up, and the last answer."""
    client.get(url, headers=auth)
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        r = client.get(url, headers=auth)
        samples.append((time.perf_counter() - start) * 1000)
    assert r.status_code == 200, r.get_json()
    return statistics.median(samples), max(samples), r.get_json()


def plan(app) -> str:
    """The plan of the first-page query the embedded CRM runs for REP."""
    crm = app.extensions["addin_api"].crm
    engine = app.extensions["addin_api"].engine
    captured = []
    with _capture_sql(engine, captured):
        crm.open_deals_page(Principal(REP, "oid", "tid"), 51, None, None)
    sql, params = captured[0]
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("ANALYZE")  # planner statistics of the data just loaded, as autovacuum would
        rows = conn.exec_driver_sql(prefix + sql, params).all()
    return "\n".join(str(row[-1]) if engine.dialect.name == "sqlite" else row[0] for row in rows)


@contextlib.contextmanager
def _capture_sql(engine, into: list):
    from sqlalchemy import event

    def before(conn, cursor, statement, parameters, context, executemany):
        into.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", before)


def main() -> None:
    """Time the first and a middle page per book size, then print the page query's plan."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--books", default="50,400,1300,5000")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--kept", action="store_true", help="view cache on: time kept answers")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    print("| rep's open deals | first page p50 / max ms | middle page p50 / max ms | deals on page 1 |")
    print("|---|---|---|---|")
    with (
        TestIdentityProvider() as idp,
        tempfile.TemporaryDirectory() as tmp,
        databases(args.postgres, Path(tmp)) as fresh,
    ):
        app = None
        for book in (int(b) for b in args.books.split(",")):
            app = app_with_book(fresh(), tmp, idp, book, 32 if args.kept else 0)
            client, auth = app.test_client(), {"Authorization": f"Bearer {idp.mint(email=REP)}"}
            p50, worst, first = timed(client, "/api/v1/pipeline?limit=50", auth, args.rounds)
            cursor, middle = first["next"], "n/a"
            for _ in range(book // 100):  # walk to the middle of the book
                cursor = client.get(f"/api/v1/pipeline?limit=50&cursor={cursor}", headers=auth).get_json()[
                    "next"
                ]
            if cursor:
                m50, mworst, _ = timed(
                    client, f"/api/v1/pipeline?limit=50&cursor={cursor}", auth, args.rounds
                )
                middle = f"{m50:.1f} / {mworst:.1f}"
            print(f"| {book} | {p50:.1f} / {worst:.1f} | {middle} | {len(first['deals'])} |")
            app.extensions["addin_api"].engine.dispose()
        print("\nPage query plan:\n```\n" + plan(app) + "\n```")


if __name__ == "__main__":
    main()
