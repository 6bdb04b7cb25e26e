"""The tenant boundary: a valid token of any tenant not listed reads nothing, on every route and deep link."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from addin_api.crm.local.pages import LINK_MAX_AGE, deal_link
from tests.conftest import REP
from tests.keys import SECRET_KEY
from tests.standins.idp import OTHER_TENANT

EMAIL = {
    "message_id": "<tenant-1@northwind.example>",
    "from": "nadia@northwind.example",
    "to": [REP],
    "sent_at": "2026-01-05T10:00:00+00:00",
    "rating": "positive",
}


PERSON = {"email": "mia@woodgrove.example", "name": "Mia Jones", "company": "Woodgrove"}


def _requests(deal_id: str, change_id: str) -> dict[str, tuple[str, str, dict | None]]:
    """One real request per /api/v1 route (keyed by the route's rule), as a signed-in rep would send it."""
    return {
        "/api/v1/context": ("get", "/api/v1/context?email=nadia@northwind.example", None),
        "/api/v1/pipeline": ("get", "/api/v1/pipeline", None),
        "/api/v1/deals/<deal_id>": ("get", f"/api/v1/deals/{deal_id}", None),
        "/api/v1/deals/<deal_id>#patch": (
            "patch",
            f"/api/v1/deals/{deal_id}",
            {"version": "v", "next_step": "x"},
        ),
        "/api/v1/deals/<deal_id>/emails": ("post", f"/api/v1/deals/{deal_id}/emails", EMAIL),
        "/api/v1/changes/<change_id>": ("get", f"/api/v1/changes/{change_id}", None),
        "/api/v1/changes": ("get", "/api/v1/changes?state=needs_connect", None),
        "/api/v1/sentiment": ("post", "/api/v1/sentiment", {"text": "Love it, but the budget moved."}),
        "/api/v1/lexicon": ("get", "/api/v1/lexicon", None),
        "/api/v1/crm/connect": ("post", "/api/v1/crm/connect", None),
        "/api/v1/crm/options": ("get", "/api/v1/crm/options", None),
        "/api/v1/contacts": ("post", "/api/v1/contacts", {"contact": PERSON}),
        "/api/v1/deals": (
            "post",
            "/api/v1/deals",
            {"name": "Pilot", "stage": "problem_identified", "close_date": "2027-01-09", "contact": PERSON},
        ),
        "/api/v1/deals/<deal_id>/stakeholders": (
            "post",
            f"/api/v1/deals/{deal_id}/stakeholders",
            {"contact": PERSON, "role": "Champion"},
        ),
    }


def test_a_token_of_another_tenant_gets_401_on_every_api_route(app, api, idp, deal_ids):
    deal_id = str(deal_ids["nw-fleet"])
    version = api.get(f"/api/v1/deals/{deal_id}").get_json()["version"]
    saved = api.patch(f"/api/v1/deals/{deal_id}", json={"version": version, "next_step": "Call Nadia"})
    change_id = saved.get_json()["change"]["id"]
    requests = _requests(deal_id, change_id)
    routed = {r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1/")}
    assert routed - {"/api/v1/openapi.json"} == {key.split("#")[0] for key in requests}, "a route is untested"

    outsider = idp.mint(email=REP, tid=OTHER_TENANT)  # same mailbox name, validly signed, other tenant
    client = app.test_client()
    for key, (method, url, body) in requests.items():
        response = getattr(client, method)(url, json=body, headers={"Authorization": f"Bearer {outsider}"})
        assert response.status_code == 401, key
        answer = response.get_json()
        assert answer["code"] == 401 and "not allowed" in answer["message"], key
        assert "Northwind" not in response.get_data(as_text=True), key
    assert api.get(f"/api/v1/deals/{deal_id}").get_json()["next_step"] == "Call Nadia", "nothing was changed"


def test_deep_link_pages_open_for_no_other_tenant_and_expire_within_an_hour(app, api, idp, deal_ids):
    deal_id = deal_ids["nw-fleet"]
    outsider = {"Authorization": f"Bearer {idp.mint(email=REP, tid=OTHER_TENANT)}"}
    client = app.test_client()
    assert client.get(f"/api/v1/deals/{deal_id}", headers=outsider).status_code == 401  # no link handed out
    assert client.get(f"/crm/deals/{deal_id}", headers=outsider).status_code == 404  # a token is no key

    def page(issued_seconds_ago: float, secret: str = SECRET_KEY):
        link = deal_link("", secret, int(deal_id), clock=lambda: time.time() - issued_seconds_ago)
        return client.get(link, headers=outsider)

    assert LINK_MAX_AGE <= 3600
    assert page(LINK_MAX_AGE - 60).status_code == 200
    assert page(LINK_MAX_AGE + 60).status_code == 404
    assert page(0, secret="test-secret").status_code == 404  # forged with a guessable key
    fresh = urlsplit(api.get(f"/api/v1/deals/{deal_id}").get_json()["url"])
    assert client.get(f"{fresh.path}?{fresh.query}").status_code == 200
