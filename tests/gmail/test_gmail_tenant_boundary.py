"""The tenant boundary on the Gmail side: Workspace accounts of the listed domains only, no Entra token."""

from __future__ import annotations

from tests.conftest import REP
from tests.standins.google import BASE_URL
from tests.standins.idp import OTHER_TENANT


def test_an_entra_token_of_another_tenant_opens_no_gmail_route(addon, idp):
    outsider = idp.mint(email=REP, tid=OTHER_TENANT)

    as_bearer = addon.post(f"{BASE_URL}/gmail/homepage", addon.event(), bearer=outsider)
    as_user_token = addon.post(f"{BASE_URL}/gmail/homepage", addon.event(user_token=outsider))

    for response in (as_bearer, as_user_token):
        assert response.status_code == 401 and response.get_json()["code"] == 401
        assert "deals" not in response.get_data(as_text=True).lower()


def test_a_google_account_of_a_domain_not_listed_opens_no_gmail_route(addon, google):
    stranger = google.mint(google.client_id, "rep@other.example", hd="other.example")

    response = addon.post(f"{BASE_URL}/gmail/homepage", addon.event(user_token=stranger))

    assert response.status_code == 401 and "other.example may not use" in response.get_json()["message"]
