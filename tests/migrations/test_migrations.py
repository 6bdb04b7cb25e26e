"""Migrations: release 0.1.0 databases upgrade in place, models match head, upgraders queue, others refuse."""

from __future__ import annotations

import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from gunicorn.errors import AppImportError
from sqlalchemy import Column, Integer, MetaData, Table, func, make_url, select, text

from addin_api import create_app
from addin_api.cli import load_worker_app, main
from addin_api.domain import Principal
from addin_api.migrations import head, target_metadata
from addin_api.store.db import make_engine
from tests.keys import SECRET_KEY
from tests.processes import CLI, demo_env, free_port, run
from tests.standins.idp import TENANT

DATA = Path(__file__).resolve().parent.parent / "data"
REP = Principal("rep@demo.example", "o", "t")
# Rows in release 0.1.0's fixture (tests/data/make_release_dump.py made them).
RELEASE_ROWS = {"crm_deal": 12, "audit_log": 3, "outbox": 3, "email_ledger": 1, "idempotency_keys": 1}
UPGRADE_HINT = "run `addin-api db upgrade`"


def _load_release_dump(url: str) -> None:
    """Fill an empty database from the SQL dump of release 0.1.0's demo database (per dialect)."""
    engine = make_engine(url)
    dump = (DATA / f"release-0.1.0.{engine.dialect.name}.sql").read_text()
    if engine.dialect.name == "sqlite":  # as the sqlite3 shell loads a dump: foreign keys off, in dump order
        engine.dispose()
        with closing(sqlite3.connect(make_url(url).database)) as conn:
            conn.executescript(dump)
        return
    raw = engine.raw_connection()
    try:
        raw.cursor().execute(dump)  # one simple-protocol batch, as psql would send it
        raw.commit()
    finally:
        raw.close()
        engine.dispose()


def _counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: conn.execute(select(func.count()).select_from(text(t))).scalar() for t in RELEASE_ROWS}


def _differences(engine, metadata=None) -> list:
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn), metadata or target_metadata())


@pytest.fixture
def env(tmp_path, monkeypatch, empty_database_url):
    monkeypatch.setenv("ADDIN_DATABASE_URL", empty_database_url)
    monkeypatch.setenv("ADDIN_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("ADDIN_MS_ALLOWED_TENANTS", TENANT)
    monkeypatch.setenv("ADDIN_INSTANCE_PATH", str(tmp_path))
    return empty_database_url


def test_a_release_0_1_0_database_upgrades_in_place_with_its_rows(env, capsys, idp):
    _load_release_dump(env)
    engine = make_engine(env)
    engines = [engine]
    try:
        assert main(["db", "current"]) == 0 and capsys.readouterr().out.strip() == "none"
        assert main(["db", "upgrade"]) == 0
        assert capsys.readouterr().out.strip() == f"database schema at {head()} (was unversioned)"
        assert _counts(engine) == RELEASE_ROWS
        assert _differences(engine) == []  # adopted tables match the models; missing ones were created
        assert main(["outbox", "drain"]) == 0  # the change queued under 0.1.0 is delivered now
        assert capsys.readouterr().out.strip() == "done: 1"
        app = create_app(idp.settings_overrides())
        engines.append(app.extensions["addin_api"].engine)
        auth = {"Authorization": f"Bearer {idp.mint(email=REP.email)}"}
        deal = app.test_client().get("/api/v1/deals/1", headers=auth)
        assert deal.status_code == 200 and deal.json["next_step"] == "CFO sign-off"  # saved under 0.1.0
        assert app.test_client().get("/api/v1/deals/2", headers=auth).json["next_step"] == "Queued in 0.1.0"
        activities = app.extensions["addin_api"].crm.get_deal(REP, "1").activities
        assert [a.rating for a in activities if a.message_id == "<release-1@northwind.example>"] == [
            "positive"
        ]
    finally:
        for each in engines:
            each.dispose()


def test_models_and_migrations_agree(database_url):
    engine = make_engine(database_url)
    try:
        assert _differences(engine) == []
        changed = MetaData()
        for metadata in target_metadata():
            for table in metadata.tables.values():
                table.to_metadata(changed)
        Table("outbox", changed, Column("priority", Integer), extend_existing=True)
        assert [d[0] for d in _differences(engine, changed)] == ["add_column"]  # a model change shows up
    finally:
        engine.dispose()


def test_concurrent_upgraders_queue_behind_the_lock(empty_database_url, tmp_path):
    env = demo_env(empty_database_url, tmp_path)
    upgraders = [
        subprocess.Popen(
            [*CLI, "db", "upgrade"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    outputs = [proc.communicate(timeout=120) for proc in upgraders]
    assert [proc.returncode for proc in upgraders] == [0] * 4, outputs
    assert (
        sum("(was unversioned)" in out for out, _ in outputs) == 1
    )  # one migrated, the others found it done
    assert run(["db", "current"], env).stdout.strip() == head()


def test_the_drain_refuses_an_unmigrated_database_in_one_line(empty_database_url, tmp_path):
    done = run(["outbox", "drain", "--loop"], demo_env(empty_database_url, tmp_path))
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [
        f"addin-api: the database schema is at nothing, not {head()}: {UPGRADE_HINT}"
    ]


def test_workers_refuse_an_unmigrated_database_in_one_line(env, tmp_path):
    with pytest.raises(AppImportError) as refused:  # what gunicorn prints, alone, before it halts
        load_worker_app()
    assert str(refused.value) == f"addin-api: the database schema is at nothing, not {head()}: {UPGRADE_HINT}"
    serve = ["serve", "--no-upgrade", "--port", str(free_port())]
    done = run(serve, demo_env(env, tmp_path))
    assert done.returncode != 0
    assert (done.stdout + done.stderr).strip().splitlines() == [str(refused.value)]
    assert run(["db", "current"], demo_env(env, tmp_path)).stdout.strip() == "none"
