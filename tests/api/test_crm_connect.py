"""Per-rep Salesforce connection: web-server flow with PKCE in a dialog, refresh token stored encrypted."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import requests

from addin_api.crm.local.demo_data import demo_dataset
from tests.conftest import REP, REP2, ApiClient
from tests.standins.salesforce import SalesforceStandin


@pytest.fixture
def sf():
    with SalesforceStandin() as standin:
        yield standin


@pytest.fixture
def sf_app(make_app, sf):
    app = make_app(**sf.settings_overrides(""))
    app.deal_ids = sf.load_dataset(demo_dataset())
    return app


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_rep_connects_once_then_reads_deals_as_themselves(sf_app, idp, sf):
    app = sf_app
    api = ApiClient(app.test_client(), idp.mint(email=REP))
    before = api.get("/api/v1/pipeline")
    assert before.status_code == 403 and before.get_json()["reason"] == "crm_auth"

    link = api.post("/api/v1/crm/connect").get_json()["url"]
    browser = app.test_client()  # the dialog window: same origin, its own cookies, no bearer token
    to_salesforce = browser.get(_path(link))
    assert to_salesforce.status_code == 302 and "code_challenge_method=S256" in to_salesforce.location
    sf.browser_user = REP
    back = requests.get(to_salesforce.location, allow_redirects=False, timeout=5)
    done = browser.get(_path(back.headers["Location"]))
    assert done.status_code == 200 and b"connected" in done.data

    assert api.get("/api/v1/pipeline").status_code == 200
    with app.extensions["addin_api"].engine.connect() as conn:
        stored = b"".join(str(row).encode() for row in conn.exec_driver_sql("SELECT * FROM crm_tokens"))
    assert stored and not any(token.encode() in stored for token in sf.refresh_tokens)


def test_callback_without_the_dialogs_session_is_refused(sf_app, idp, sf):
    app = sf_app
    api = ApiClient(app.test_client(), idp.mint(email=REP))
    link = api.post("/api/v1/crm/connect").get_json()["url"]
    to_salesforce = app.test_client().get(_path(link))
    sf.browser_user = REP
    back = requests.get(to_salesforce.location, allow_redirects=False, timeout=5)
    stranger = app.test_client()  # a different browser replaying the callback URL
    assert stranger.get(_path(back.headers["Location"])).status_code == 400
    assert api.get("/api/v1/pipeline").status_code == 403


def _stored_rows(app) -> list:
    with app.extensions["addin_api"].engine.connect() as conn:
        return list(conn.exec_driver_sql("SELECT * FROM crm_tokens"))


def test_forwarded_link_signed_in_as_someone_else_stores_nothing_and_revokes(sf_app, idp, sf):
    app = sf_app
    attacker = ApiClient(app.test_client(), idp.mint(email=REP))
    link = attacker.post("/api/v1/crm/connect").get_json()["url"]
    colleague = app.test_client()  # the colleague's browser, where the forwarded link is opened
    to_salesforce = colleague.get(_path(link))
    sf.browser_user = REP2  # the colleague signs in to Salesforce as themselves
    back = requests.get(to_salesforce.location, allow_redirects=False, timeout=5)
    done = colleague.get(_path(back.headers["Location"]))
    assert done.status_code == 403 and b"connected" not in done.data
    text = done.get_data(as_text=True)
    assert f"You signed in to Salesforce as {REP2}" in text and f"sign in as {REP}" in text
    assert _stored_rows(app) == [] and sf.refresh_tokens == {} and len(sf.revoked) == 1
    assert attacker.get("/api/v1/pipeline").status_code == 403


def test_connect_link_works_once(sf_app, idp, sf):
    app = sf_app
    api = ApiClient(app.test_client(), idp.mint(email=REP))
    link = api.post("/api/v1/crm/connect").get_json()["url"]
    assert app.test_client().get(_path(link)).status_code == 302
    again = app.test_client().get(_path(link))  # a copy of the link, in any browser
    assert again.status_code == 400 and b"already used" in again.data


def test_tampered_ticket_is_refused(sf_app):
    app = sf_app
    assert app.test_client().get("/crm/connect/start?ticket=forged").status_code == 400


def test_embedded_crm_needs_no_connection(api):
    assert api.post("/api/v1/crm/connect").status_code == 404


def test_connecting_releases_the_changes_the_rep_saved_while_not_connected(sf_app, idp, sf):
    app = sf_app
    api = ApiClient(app.test_client(), idp.mint(email=REP))
    deal_id = app.deal_ids["nw-fleet"]
    saved = api.patch(f"/api/v1/deals/{deal_id}", json={"version": "seen-before", "next_step": "Kept"})
    assert saved.status_code == 403 and saved.get_json()["pending_changes"] == 1
    parked = {"state": "needs_connect"}
    assert api.get("/api/v1/changes", query_string=parked).get_json()["total"] == 1

    link = api.post("/api/v1/crm/connect").get_json()["url"]
    browser = app.test_client()
    to_salesforce = browser.get(_path(link))
    sf.browser_user = REP
    back = requests.get(to_salesforce.location, allow_redirects=False, timeout=5)
    assert browser.get(_path(back.headers["Location"])).status_code == 200

    assert api.get("/api/v1/changes", query_string=parked).get_json()["total"] == 0
    change = api.get(f"/api/v1/changes/{saved.get_json()['change_id']}").get_json()
    assert (change["state"], change["attempts"]) == ("queued", 0)  # due now: the drain sends it
