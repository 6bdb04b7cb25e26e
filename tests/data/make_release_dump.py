"""Writes the release-0.1.0 fixtures: a demo database made by release 0.1.0's code, dumped as SQL.

Run once, from a checkout of the last commit before migrations (935c0f5, release 0.1.0), where tables were
still made by `create_all` at start-up:

    python tests/data/make_release_dump.py            # writes tests/data/release-0.1.0.sqlite.sql
    ADDIN_TEST_DATABASE=postgresql python tests/data/make_release_dump.py   # ... .postgresql.sql

The database holds the demo data plus one delivered change (with an Idempotency-Key), one rated email
and one change queued while the CRM was down: rows of every app-store table the release used.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from addin_api import create_app  # noqa: E402
from addin_api.crm.local.demo_data import demo_dataset  # noqa: E402
from addin_api.crm.local.seed import load_dataset  # noqa: E402
from tests import postgres  # noqa: E402
from tests.fakes import FaultyCrm  # noqa: E402
from tests.standins.idp import TestIdentityProvider  # noqa: E402


def populate(url: str, instance: str) -> None:
    """Demo data and a few writes through the API, as reps would make them."""
    with TestIdentityProvider() as idp:
        app = create_app(
            {
                "database_url": url,
                "instance_path": instance,
                "secret_key": "release",
                **idp.settings_overrides(),
            }
        )
        state = app.extensions["addin_api"]
        load_dataset(state.engine, demo_dataset())
        state.crm = FaultyCrm(state.crm)
        client = app.test_client()
        auth = {"Authorization": f"Bearer {idp.mint(email='rep@demo.example')}"}
        deal = client.get("/api/v1/deals/1", headers=auth).get_json()
        saved = client.patch(
            "/api/v1/deals/1",
            headers={**auth, "Idempotency-Key": "release-1"},
            json={"version": deal["version"], "stage": "business_case_approved", "next_step": "CFO sign-off"},
        )
        assert saved.status_code == 200, saved.get_json()
        rated = client.post(
            "/api/v1/deals/1/emails",
            headers=auth,
            json={
                "message_id": "<release-1@northwind.example>",
                "subject": "Re: pricing",
                "from": "nadia@northwind.example",
                "to": ["rep@demo.example"],
                "sent_at": "2026-11-20T10:00:00+00:00",
                "body": "Looks good",
                "rating": "positive",
            },
        )
        assert rated.status_code == 200, rated.get_json()
        state.crm.down = True
        deal = client.get("/api/v1/deals/2", headers=auth).get_json()
        queued = client.patch(
            "/api/v1/deals/2", headers=auth, json={"version": deal["version"], "next_step": "Queued in 0.1.0"}
        )
        assert queued.status_code == 202, queued.get_json()
        state.engine.dispose()


def main() -> None:
    """Build the database on SQLite (default) or PostgreSQL and write its dump next to this file."""
    tmp = tempfile.mkdtemp()
    try:
        if not postgres.requested():
            db = Path(tmp) / "release.db"
            populate(f"sqlite:///{db}", tmp)
            with sqlite3.connect(db) as conn:
                dump = "\n".join(conn.iterdump()) + "\n"
            (HERE / "release-0.1.0.sqlite.sql").write_text(dump)
            return
        with postgres.Cluster() as cluster:
            cluster._admin("CREATE DATABASE release")
            populate(cluster.url("release"), tmp)
            pg_dump = shutil.which("pg_dump") or sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_dump"))[-1]
            dump = subprocess.run(
                [str(pg_dump), "--inserts", "--no-owner", "--no-privileges", "-h", str(cluster.root)]
                + ["-U", "postgres", "release"],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            # psql meta-commands (\restrict) are not SQL: the fixture is loaded by a driver, not by psql.
            dump = "".join(line for line in dump.splitlines(True) if not line.startswith("\\"))
            (HERE / "release-0.1.0.postgresql.sql").write_text(dump)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
