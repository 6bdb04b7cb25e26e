"""Reading deals through the API: context of an email, one deal, the pipeline, OpenAPI and probes."""

from __future__ import annotations

from urllib.parse import urlsplit

from tests.conftest import REP


def test_context_matches_participants_and_drops_the_rep(api):
    r = api.get(
        "/api/v1/context",
        query_string=[
            ("email", REP),
            ("email", "Nadia@Northwind.example"),
            ("email", "stranger@nowhere.example"),
        ],
    )
    assert r.status_code == 200
    contacts = r.get_json()["contacts"]
    assert [c["contact"]["email"] for c in contacts] == ["nadia@northwind.example"]
    names = [d["name"] for d in contacts[0]["deals"]]
    assert names == ["Northwind fleet visibility", "Northwind analytics add-on"]  # most recently active first
    assert "Northwind legacy migration" not in names  # closed deals are not offered


def test_context_requires_at_least_one_valid_address(api):
    r = api.get("/api/v1/context")
    assert r.status_code == 422
    assert "email" in r.get_json()["errors"]["query"]
    r = api.get("/api/v1/context?email=not-an-address")
    assert r.status_code == 422


def test_deal_view_has_stages_health_stakeholders_and_business_case(api, deal_ids):
    r = api.get(f"/api/v1/deals/{deal_ids['nw-fleet']}")
    assert r.status_code == 200
    deal = r.get_json()
    assert deal["stage"] == {
        "id": "technical_fit",
        "label": "Technical fit",
        "is_closed": False,
        "is_won": False,
        "probability": 45,
    }
    assert [s["label"] for s in deal["stages"]][:3] == [
        "Problem identified",
        "Solution evaluation",
        "Technical fit",
    ]
    assert deal["amount"] == "184000.00" and deal["currency"] == "USD"
    assert {s["role"] for s in deal["stakeholders"]} == {"Champion", "Technical buyer", "Economic buyer"}
    assert deal["business_case"]["compelling_event"] == "New retail contract starts in March"
    assert deal["health"]["inbound_count"] == 3 and deal["health"]["outbound_count"] == 3
    assert deal["health"]["days_since_inbound"] == 2 and deal["health"]["going_dark"] is False
    assert deal["activities"][0]["direction"] in {"inbound", "outbound"}
    assert deal["editable"] is True and deal["version"]
    assert f"/crm/deals/{deal_ids['nw-fleet']}?t=" in deal["url"]


def test_deal_silent_for_weeks_is_going_dark(api, deal_ids):
    health = api.get(f"/api/v1/deals/{deal_ids['contoso-renewal']}").get_json()["health"]
    assert health["days_since_inbound"] == 38 and health["going_dark"] is True


def test_pipeline_lists_own_open_deals_going_dark_first(api):
    deals = api.get("/api/v1/pipeline").get_json()["deals"]
    dark = [d["health"]["going_dark"] for d in deals]
    assert dark == sorted(dark, reverse=True) and dark[0] is True
    assert all(d["stage"]["is_closed"] is False for d in deals)
    assert "Fabrikam plant #2 expansion" in [d["name"] for d in deals]  # on the deal team, not owner


def test_unknown_deal_is_404_in_the_error_shape(api):
    r = api.get("/api/v1/deals/999999")
    assert r.status_code == 404
    assert r.get_json() == {"code": 404, "status": "Not Found", "message": "No deal 999999."}


def test_deep_link_page_of_the_embedded_crm_opens_only_with_its_signed_link(app, api, deal_ids):
    deal_id = deal_ids["nw-fleet"]
    link = api.get(f"/api/v1/deals/{deal_id}").get_json()["url"]
    parts = urlsplit(link)
    page = app.test_client().get(f"{parts.path}?{parts.query}")
    assert page.status_code == 200 and b"Northwind fleet visibility" in page.data
    assert app.test_client().get(f"/crm/deals/{deal_id}").status_code == 404
    other = deal_ids["contoso-clinics"]
    assert app.test_client().get(f"/crm/deals/{other}?{parts.query}").status_code == 404
    assert app.test_client().get("/crm/deals/99999999999").status_code == 404


def test_openapi_is_generated_and_public(app):
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    assert {
        "/api/v1/context",
        "/api/v1/deals/{deal_id}",
        "/api/v1/deals/{deal_id}/emails",
        "/api/v1/changes/{change_id}",
        "/api/v1/pipeline",
    } <= set(spec["paths"])
    assert "next_step" in spec["components"]["schemas"]["DealUpdate"]["properties"]
    # The length is the configured CRM's own (FieldLimits), so the spec names it instead of a number.
    assert (
        "next-step length"
        in spec["components"]["schemas"]["DealUpdate"]["properties"]["next_step"]["description"]
    )


def test_probes(app):
    client = app.test_client()
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.get("/readyz").get_json()["database"] == "ok"


def test_manifest_link_targets_exist(app):
    client = app.test_client()
    for path in ("/support", "/privacy", "/terms", "/static/icons/icon-80.png"):
        with client.get(path) as response:
            assert response.status_code == 200, path
