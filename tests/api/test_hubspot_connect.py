"""Per-rep HubSpot connection: authorization code + PKCE in a dialog, refresh token stored encrypted."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.conftest import REP, REP2, ApiClient
from tests.contract.conftest import DATASET, HS_CASE
from tests.standins.hubspot import HubSpotStandin, holding

TOKEN_CALLS = "POST /oauth/2026-03/token"


@pytest.fixture
def hs():
    with holding(DATASET, HS_CASE) as standin:
        yield standin


@pytest.fixture
def hs_app(make_app, hs):
    settings = {**hs.settings_overrides(), **hs.oauth_overrides()}
    return make_app(**settings, hubspot_business_case_properties=json.dumps(HS_CASE))


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def _connect(app, api: ApiClient, hs: HubSpotStandin, signed_in: str):
    """The rep clicks Connect; the dialog goes to HubSpot, where `signed_in` consents, and back."""
    browser = app.test_client()  # the dialog window: same origin, its own cookies, no bearer token
    to_hubspot = browser.get(_path(api.post("/api/v1/crm/connect").get_json()["url"]))
    assert to_hubspot.status_code == 302 and to_hubspot.location.startswith(f"{hs.url}/oauth/authorize?")
    hs.browser_user = signed_in
    back = requests.get(to_hubspot.location, allow_redirects=False, timeout=5)
    return to_hubspot.location, browser.get(_path(back.headers["Location"]))


def _stored(app) -> bytes:
    with app.extensions["addin_api"].engine.connect() as conn:
        return b"".join(str(row).encode() for row in conn.exec_driver_sql("SELECT * FROM crm_tokens"))


def test_rep_connects_once_then_works_in_hubspot_as_themselves(hs_app, idp, hs):
    api = ApiClient(hs_app.test_client(), idp.mint(email=REP))
    before = api.get("/api/v1/pipeline")
    assert before.status_code == 403 and before.get_json()["reason"] == "crm_auth"

    consent, done = _connect(hs_app, api, hs, REP)
    query = parse_qs(urlsplit(consent).query)
    assert query["code_challenge_method"] == ["S256"] and "crm.objects.deals.write" in query["scope"][0]
    assert done.status_code == 200 and b"HubSpot account is connected" in done.data

    assert {d["name"] for d in api.get("/api/v1/pipeline").get_json()["deals"]} >= {"Acme platform rollout"}
    deal_id = hs.ids["acme-platform"]
    version = api.get(f"/api/v1/deals/{deal_id}").get_json()["version"]
    saved = api.patch(f"/api/v1/deals/{deal_id}", json={"version": version, "next_step": "Send the MSA"})
    assert saved.status_code == 200
    rep_user = next(o["userId"] for o in hs.owners if o["email"] == REP)
    assert hs.objects["deals"][deal_id]["properties"]["hs_updated_by_user_id"] == str(rep_user)
    stored = _stored(hs_app)
    assert stored and not any(token.encode() in stored for token in hs.refresh_tokens)


def test_colleague_signed_in_through_a_forwarded_link_connects_nobody(hs_app, idp, hs):
    api = ApiClient(hs_app.test_client(), idp.mint(email=REP))
    _, done = _connect(hs_app, api, hs, REP2)
    text = done.get_data(as_text=True)
    assert done.status_code == 403 and f"You signed in to HubSpot as {REP2}" in text
    assert _stored(hs_app) == b"" and api.get("/api/v1/pipeline").status_code == 403


def test_an_expired_access_token_is_renewed_once_with_the_refresh_token(hs_app, idp, hs):
    api = ApiClient(hs_app.test_client(), idp.mint(email=REP))
    _connect(hs_app, api, hs, REP)
    hs.expire_access_tokens()  # HubSpot answers the cached token with 401
    assert api.get("/api/v1/pipeline").status_code == 200
    assert hs.calls.count(TOKEN_CALLS) == 2  # the code exchange, then one refresh


def test_a_revoked_connection_parks_the_change_until_the_rep_reconnects(hs_app, idp, hs):
    api = ApiClient(hs_app.test_client(), idp.mint(email=REP))
    _connect(hs_app, api, hs, REP)
    deal_id = hs.ids["acme-platform"]
    version = api.get(f"/api/v1/deals/{deal_id}").get_json()["version"]
    hs.uninstall_for(REP)  # e.g. the app was uninstalled for the user: access and refresh tokens end

    saved = api.patch(f"/api/v1/deals/{deal_id}", json={"version": version, "next_step": "Kept"})
    assert saved.status_code == 403 and saved.get_json()["pending_changes"] == 1
    parked = {"state": "needs_connect"}
    assert api.get("/api/v1/changes", query_string=parked).get_json()["total"] == 1
    assert _stored(hs_app) == b""  # the dead refresh token is forgotten

    assert _connect(hs_app, api, hs, REP)[1].status_code == 200
    assert api.get("/api/v1/changes", query_string=parked).get_json()["total"] == 0
    change = api.get(f"/api/v1/changes/{saved.get_json()['change_id']}").get_json()
    assert (change["state"], change["attempts"]) == ("queued", 0)  # due now: the drain sends it


def test_workers_share_the_reps_access_token_and_the_pipelines(hs_app, make_app, idp, hs):
    settings = {**hs.settings_overrides(), **hs.oauth_overrides()}
    token = idp.mint(email=REP)
    _connect(hs_app, ApiClient(hs_app.test_client(), token), hs, REP)
    second, third = (ApiClient(make_app(**settings).test_client(), token) for _ in range(2))
    pipelines, owners = "GET /crm/pipelines/", "GET /crm/owners/"

    assert second.get("/api/v1/pipeline").status_code == 200  # a worker with nothing in memory
    assert hs.calls.count(TOKEN_CALLS) == 2 and hs.count(pipelines) == 1 and hs.count(owners) == 1
    assert third.get("/api/v1/pipeline").status_code == 200  # takes what the second one stored
    assert hs.calls.count(TOKEN_CALLS) == 2 and hs.count(pipelines) == 1 and hs.count(owners) == 1

    hs.expire_access_tokens()
    assert second.get("/api/v1/pipeline").status_code == 200  # a 401, one refresh, stored for all
    assert third.get("/api/v1/pipeline").status_code == 200  # its own 401, then the second one's token
    assert hs.calls.count(TOKEN_CALLS) == 3
    with hs_app.extensions["addin_api"].engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT key, value FROM crm_cache").all()
    sealed = " ".join(value for key, value in rows if key.startswith("hubspot:token:"))
    assert sealed and hs.sessions and not any(access in sealed for access in hs.sessions)
