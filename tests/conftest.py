"""Shared fixtures: a loopback IdP, a fresh app on the embedded CRM with demo data, signed-in clients."""

from __future__ import annotations

import itertools
from contextlib import ExitStack

import pytest
import sqlalchemy

from addin_api import create_app
from addin_api.crm.local.demo_data import demo_dataset
from addin_api.crm.local.seed import load_dataset
from addin_api.store import db as store_db
from tests import postgres
from tests.fakes import FaultyCrm
from tests.keys import BASE_SETTINGS, SECRET_KEY
from tests.schema import migrated_sqlite
from tests.standins.idp import TENANT, TestIdentityProvider
from tests.standins.salesforce import SalesforceStandin, signing_key

REP, REP2 = "rep@demo.example", "rep2@demo.example"


@pytest.fixture(autouse=True)
def dispose_engines(monkeypatch):
    """Every engine a test builds is disposed when it ends.

    An engine left open keeps pooled connections until garbage collection closes them in some later test,
    where the ResourceWarning fails that test instead, and a PostgreSQL run can exhaust its connections.
    """
    built = []

    def tracked(*args, **kwargs):
        engine = sqlalchemy.create_engine(*args, **kwargs)
        built.append(engine)
        return engine

    monkeypatch.setattr(store_db, "create_engine", tracked)
    yield
    for engine in built:
        engine.dispose()


@pytest.fixture(scope="session")
def idp():
    """A real RS256 identity provider on loopback, shared by the whole run."""
    with TestIdentityProvider() as provider:
        yield provider


@pytest.fixture(scope="session")
def postgres_cluster():
    """A throwaway PostgreSQL server for the whole run; failing to start it fails the tests, never skips."""
    try:
        cluster = postgres.Cluster().start()
    except Exception as exc:
        message = f"{postgres.ENV_VAR}=postgresql but PostgreSQL could not start: {exc}"
        raise pytest.fail.Exception(message, pytrace=False) from None
    yield cluster
    cluster.stop()


@pytest.fixture
def database_url(request, tmp_path):
    """A migrated database: a SQLite file in tmp_path, or PostgreSQL when ADDIN_TEST_DATABASE=postgresql.

    Both are copies of a template migrated once per run, so no test pays for Alembic.
    """
    if not postgres.requested():
        yield migrated_sqlite(tmp_path / "addin.db")
        return
    with request.getfixturevalue("postgres_cluster").fresh_database() as url:
        yield url


@pytest.fixture
def cli_env(tmp_path, monkeypatch, database_url):
    """ADDIN_* variables of a production-like deployment on this test's database, for CLI commands."""
    monkeypatch.setenv("ADDIN_DATABASE_URL", database_url)
    monkeypatch.setenv("ADDIN_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("ADDIN_MS_ALLOWED_TENANTS", TENANT)
    monkeypatch.setenv("ADDIN_INSTANCE_PATH", str(tmp_path))
    return tmp_path


@pytest.fixture
def new_empty_database(request, tmp_path):
    """Makes databases no migration touched (SQLite or PostgreSQL, as for `database_url`); one per call."""
    names = itertools.count(1)
    with ExitStack() as stack:

        def make() -> str:
            if not postgres.requested():
                return f"sqlite:///{tmp_path / f'empty-{next(names)}.db'}"
            cluster = request.getfixturevalue("postgres_cluster")
            return stack.enter_context(cluster.fresh_database(migrated=False))

        yield make


@pytest.fixture
def empty_database_url(new_empty_database):
    """A database no migration has touched."""
    return new_empty_database()


@pytest.fixture
def sf():
    """A loopback Salesforce org that trusts the test JWT signing key (JWT bearer sign-in)."""
    with SalesforceStandin(public_key_pem=signing_key().public_pem) as standin:
        yield standin


@pytest.fixture
def make_app(database_url, tmp_path, idp):
    """Builds apps on this test's database, trusting the test IdP; `**settings` add to or override the base.

    With the embedded CRM (the default) the demo data is loaded and the CRM wrapped in FaultyCrm, so
    tests can take it down; `app.deal_ids` maps demo deal keys to ids.
    """
    built = []

    def build(**settings):
        app = create_app(
            {
                "database_url": database_url,
                "instance_path": str(tmp_path),
                **BASE_SETTINGS,
                "outbox_backoff_seconds": 0.0,
                **idp.settings_overrides(),
                **settings,
            }
        )
        state = app.extensions["addin_api"]
        if state.crm.name == "local":
            app.deal_ids = load_dataset(state.engine, demo_dataset())
            state.crm = FaultyCrm(state.crm)
        built.append(state.engine)
        return app

    yield build
    for engine in built:
        engine.dispose()


@pytest.fixture
def app(make_app):
    """A fresh app per test on the embedded CRM with demo data; the CRM can be made to fail."""
    return make_app()


@pytest.fixture
def crm(app):
    """The app's CRM (the embedded one, wrapped so tests can take it down)."""
    return app.extensions["addin_api"].crm


@pytest.fixture
def deal_ids(app):
    """Demo deal key → id."""
    return app.deal_ids


class ApiClient:
    """A test client that signs every request as one rep."""

    def __init__(self, client, token: str):
        self.client, self.token = client, token

    def _headers(self, headers):
        return {"Authorization": f"Bearer {self.token}", **(headers or {})}

    def get(self, url, **kw):
        return self.client.get(url, headers=self._headers(kw.pop("headers", None)), **kw)

    def patch(self, url, **kw):
        return self.client.patch(url, headers=self._headers(kw.pop("headers", None)), **kw)

    def post(self, url, **kw):
        return self.client.post(url, headers=self._headers(kw.pop("headers", None)), **kw)


@pytest.fixture
def api(app, idp):
    """Signed in as rep@demo.example, who owns most demo deals."""
    return ApiClient(app.test_client(), idp.mint(email=REP))


@pytest.fixture
def api2(app, idp):
    """Signed in as rep2@demo.example."""
    return ApiClient(app.test_client(), idp.mint(email=REP2))
