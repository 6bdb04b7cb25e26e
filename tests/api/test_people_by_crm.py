"""People from the inbox by CRM: one clear refusal where the CRM does not take them; HubSpot takes them."""

from __future__ import annotations

import json

import pytest

from tests.conftest import REP, ApiClient
from tests.contract.conftest import DATASET, HS_CASE
from tests.fakes import WithoutPeople
from tests.standins.hubspot import holding

REFUSAL = "Adding contacts from the inbox is not available with HubSpot yet."
MIA = {"email": "mia.jones@woodgrove.example", "name": "Mia Jones", "company": "Woodgrove Bank"}


@pytest.fixture
def hs_app(make_app):
    """The app with ADDIN_CRM=hubspot (the stand-in) and the account's app token."""
    with holding(DATASET, HS_CASE) as hs:
        app = make_app(**hs.settings_overrides(), hubspot_business_case_properties=json.dumps(HS_CASE))
        app.hs = hs
        yield app


@pytest.fixture
def hs_api(hs_app, idp):
    """As `hs_app`, its adapter stripped to the bare CrmPort: a CRM that does not offer PeopleWriter."""
    state = hs_app.extensions["addin_api"]
    state.crm = WithoutPeople(state.crm)
    return hs_app, ApiClient(hs_app.test_client(), idp.mint(email=REP)), hs_app.hs


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


def test_with_hubspot_a_new_contact_is_added_with_its_company(hs_app, idp):
    api, hs = ApiClient(hs_app.test_client(), idp.mint(email=REP)), hs_app.hs
    assert hs_app.test_client().get("/taskpane/config.json").get_json()["addsPeople"] is True
    answer = api.post("/api/v1/contacts", json={"contact": MIA}, headers={"Idempotency-Key": "mia-1"})
    assert answer.status_code == 200
    contact = answer.get_json()["contact"]
    assert (contact["email"], contact["name"], contact["account_name"]) == (
        MIA["email"],
        "Mia Jones",
        "Woodgrove Bank",
    )
    [company] = [
        c for c in hs.objects["companies"].values() if c["properties"]["domain"] == "woodgrove.example"
    ]
    assert ("contacts", contact["id"], "companies", company["id"], "") in hs.links
    options = api.get("/api/v1/crm/options").get_json()
    assert options["roles"] == ["Economic buyer", "Champion", "Advisor"] and options["currency"] == "EUR"
