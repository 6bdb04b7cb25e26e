"""Request verification: Google's system ID token and the rep's userIdToken, or 401 with nothing done."""

from __future__ import annotations

import json
import logging

import pytest

from addin_api import create_app
from addin_api.gmail.verify import CachedCerts
from tests.keys import BASE_SETTINGS
from tests.schema import migrated_sqlite
from tests.standins.google import BASE_URL, SERVICE_ACCOUNT, other_key

MESSAGE_URL = f"{BASE_URL}/gmail/message"
REP = "rep@demo.example"


def _refused(response) -> bool:
    body = response.get_json()
    return (
        response.status_code == 401
        and body["code"] == 401
        and "renderActions" not in body
        and "action" not in body
    )


def _system(google, **kw):
    claims = {"aud": MESSAGE_URL, "email": SERVICE_ACCOUNT, **kw}
    return google.mint(claims.pop("aud"), claims.pop("email"), **claims)


def _user(google, email=REP, **kw):
    kw.setdefault("hd", google.domain)
    return google.mint(kw.pop("aud", google.client_id), email, **kw)


SYSTEM_CASES = {
    "wrong audience (another endpoint)": lambda g: _system(g, aud=f"{BASE_URL}/gmail/homepage"),
    "audience built from request.url": lambda g: _system(g, aud="http://localhost/gmail/message"),
    "wrong service account": lambda g: _system(
        g, email="service-999@gcp-sa-gsuiteaddons.iam.gserviceaccount.com"
    ),
    "service account email unverified": lambda g: _system(g, email_verified=False),
    "bad signature": lambda g: _system(g, key=other_key()),
    "expired": lambda g: _system(g, exp_delta=-120),
    "wrong issuer": lambda g: _system(g, iss="https://evil.example"),
    "user token as bearer": lambda g: _user(g),
    "no bearer": lambda g: "",
}
USER_CASES = {
    "missing user token": lambda g: "",
    "unverified email": lambda g: _user(g, email_verified=False),
    "foreign Workspace domain": lambda g: _user(g, "mallory@evil.example", hd="evil.example"),
    "consumer account": lambda g: _user(g, "someone@gmail.com", hd=None),
    "user token for another client": lambda g: _user(g, aud="999-other.apps.googleusercontent.com"),
    "user token signed by someone else": lambda g: _user(g, key=other_key()),
    "system token as user token": lambda g: _system(g),
}


@pytest.mark.parametrize("case", SYSTEM_CASES)
def test_a_bad_system_token_is_refused_before_gmail_is_read(addon, google, email, case):
    before = google.gmail_calls("metadata")
    response = addon.post(MESSAGE_URL, addon.event(gmail_id=email), bearer=SYSTEM_CASES[case](google))
    assert _refused(response), response.get_data(as_text=True)
    assert google.gmail_calls("metadata") == before, "nothing may be done for an unverified request"


@pytest.mark.parametrize("case", USER_CASES)
def test_a_bad_user_token_is_refused_before_gmail_is_read(addon, google, email, case):
    before = google.gmail_calls("metadata")
    response = addon.post(MESSAGE_URL, addon.event(gmail_id=email, user_token=USER_CASES[case](google)))
    assert _refused(response), response.get_data(as_text=True)
    assert google.gmail_calls("metadata") == before


def test_a_refused_write_changes_nothing(addon, google, crm, deal_ids):
    screen = addon.click(addon.homepage(), "Northwind fleet visibility")
    action = screen.action_of("Save")
    params = {p["key"]: p["value"] for p in action["parameters"]}
    event = addon.event(
        parameters=params, inputs={"stage": "contract_sent"}, user_token=_user(google, email_verified=False)
    )
    assert _refused(addon.post(action["function"], event))
    assert crm.writes == []


def test_a_consumer_account_with_a_company_address_is_refused(addon, google):
    """Without `hd` the account is not the organisation's Workspace account, whatever its address says."""
    event = addon.event(user_token=_user(google, hd=None))
    assert _refused(addon.post(f"{BASE_URL}/gmail/homepage", event))


def test_the_audience_includes_the_query_string_as_written_in_the_deployment(addon, google):
    url = f"{BASE_URL}/gmail/homepage?source=deployment"
    assert addon.post(url, addon.event()).status_code == 200
    without_query = google.mint(f"{BASE_URL}/gmail/homepage", SERVICE_ACCOUNT)
    assert _refused(addon.post(url, addon.event(), bearer=without_query))


def test_the_rep_is_the_verified_user_not_the_caller(addon, google):
    screen = addon.homepage(user="rep2@demo.example")
    assert screen.has_text("Tailspin AI itinerary assistant")  # rep2's own deal
    assert not screen.has_text("Contoso clinic scheduling")  # rep's deal


def test_nothing_is_accepted_until_the_addon_is_configured(tmp_path, google):
    overrides = {**google.settings_overrides(), "google_addon_service_account": ""}
    app = create_app({"database_url": migrated_sqlite(tmp_path / "a.db"), **BASE_SETTINGS, **overrides})
    token = google.mint(MESSAGE_URL, SERVICE_ACCOUNT)
    response = app.test_client().post("/gmail/message", json={}, headers={"Authorization": f"Bearer {token}"})
    assert _refused(response)


def test_google_certificates_are_fetched_once_per_max_age(addon, google):
    before = google.requests["certs"]
    for _ in range(3):
        addon.homepage()
    assert google.requests["certs"] - before == 1


def test_tokens_and_bodies_never_reach_the_logs(addon, google, email, caplog):
    caplog.set_level(logging.DEBUG)
    bad = addon.event(gmail_id=email, user_token="eyJhbGciOiJSUzI1NiJ9.not-a-token")
    addon.post(MESSAGE_URL, bad)
    deal = addon.click(addon.open(email), "Northwind fleet visibility", gmail_id=email)
    addon.click(deal, "👍 Agree", gmail_id=email)
    secrets = [google.oauth_token, google.access_tokens[email], "not-a-token", "ready to start the pilot"]
    assert not [s for s in secrets if s in caplog.text]


class _Response:
    def __init__(self, document, max_age=600):
        self.status, self.data = 200, json.dumps(document).encode()
        self.headers = {"cache-control": f"public, max-age={max_age}"}


class _Inner:
    def __init__(self):
        self.calls, self.document = 0, {"kid-1": "PEM"}

    def __call__(self, url, method="GET", **kwargs):
        self.calls += 1
        return _Response(self.document)


def test_an_unknown_key_id_refetches_the_certificates_at_most_every_30_seconds():
    inner, now = _Inner(), [1000.0]
    certs = CachedCerts(inner, "https://certs.test", timeout=5, clock=lambda: now[0])
    certs("https://certs.test")
    certs.expect("kid-2")  # just fetched: a forged kid must not make us hammer Google
    certs("https://certs.test")
    assert inner.calls == 1
    now[0] += 31
    inner.document = {"kid-2": "PEM"}
    certs.expect("kid-2")
    certs("https://certs.test")
    certs.expect("kid-2")
    certs("https://certs.test")
    assert inner.calls == 2


def test_cached_certificates_expire_after_googles_max_age():
    inner, now = _Inner(), [0.0]
    certs = CachedCerts(inner, "https://certs.test", timeout=5, clock=lambda: now[0])
    certs("https://certs.test")
    now[0] += 599
    certs("https://certs.test")
    now[0] += 2
    certs("https://certs.test")
    assert inner.calls == 2
