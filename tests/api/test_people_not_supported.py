"""A CRM that takes no people from the inbox (HubSpot for now): one clear refusal, and no buttons offered."""

from __future__ import annotations

import json

import pytest

from tests.conftest import REP, ApiClient
from tests.contract.conftest import DATASET, HS_CASE
from tests.standins.hubspot import holding

REFUSAL = "Adding contacts from the inbox is not available with HubSpot yet."
MIA = {"email": "mia.jones@woodgrove.example", "name": "Mia Jones", "company": "Woodgrove Bank"}


@pytest.fixture
def hs_api(make_app, idp):
    """The API with ADDIN_CRM=hubspot (the stand-in); the rep has not even connected HubSpot."""
    with holding(DATASET, HS_CASE) as hs:
        settings = {**hs.settings_overrides(), **hs.oauth_overrides()}
        app = make_app(**settings, hubspot_business_case_properties=json.dumps(HS_CASE))
        yield app, ApiClient(app.test_client(), idp.mint(email=REP)), hs


def test_adding_a_contact_is_refused_clearly_and_nothing_is_recorded(hs_api):
    app, api, hs = hs_api
    answer = api.post("/api/v1/contacts", json={"contact": MIA}, headers={"Idempotency-Key": "mia-1"})
    assert answer.status_code == 422
    body = answer.get_json()
    assert (body["reason"], body["message"]) == ("not_supported", REFUSAL)
    with app.extensions["addin_api"].engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM outbox").scalar() == 0
    assert not any(c["properties"].get("email") == MIA["email"] for c in hs.objects["contacts"].values())


def test_new_deals_stakeholders_and_options_give_the_same_refusal(hs_api):
    _, api, hs = hs_api
    deal = {"name": "Pilot", "stage": "x", "close_date": "2027-01-09", "contact": MIA}
    answers = [
        api.post("/api/v1/deals", json=deal),
        api.post(f"/api/v1/deals/{hs.ids['acme-platform']}/stakeholders", json={"contact": MIA, "role": ""}),
        api.get("/api/v1/crm/options"),
    ]
    assert [(a.status_code, a.get_json()["reason"], a.get_json()["message"]) for a in answers] == [
        (422, "not_supported", REFUSAL)
    ] * 3


def test_the_pane_is_told_not_to_offer_adding_people(hs_api, make_app):
    app, _, _ = hs_api
    assert app.test_client().get("/taskpane/config.json").get_json()["addsPeople"] is False
    assert make_app().test_client().get("/taskpane/config.json").get_json()["addsPeople"] is True
