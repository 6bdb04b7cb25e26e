"""Shared fixtures: a loopback identity provider, a fresh app on the embedded CRM with demo data, signed-in clients."""
from __future__ import annotations

import pytest

from addin_api import create_app
from addin_api.crm.local.demo_data import demo_dataset
from addin_api.crm.local.seed import load_dataset
from tests.fakes import FaultyCrm
from tests.standins.idp import TestIdentityProvider

REP, REP2 = "rep@demo.example", "rep2@demo.example"


@pytest.fixture(scope="session")
def idp():
    """A real RS256 identity provider on loopback, shared by the whole run."""
    with TestIdentityProvider() as provider:
        yield provider


@pytest.fixture
def app(tmp_path, idp):
    """A fresh app per test on its own SQLite file, trusting the test IdP; the CRM can be made to fail."""
    app = create_app({"database_url": f"sqlite:///{tmp_path / 'addin.db'}", "instance_path": str(tmp_path),
                      "secret_key": "test-secret", "outbox_backoff_seconds": 0.0, **idp.settings_overrides()})
    state = app.extensions["addin_api"]
    app.deal_ids = load_dataset(state.engine, demo_dataset())
    state.crm = FaultyCrm(state.crm)
    return app


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
