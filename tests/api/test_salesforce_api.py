"""The whole API flow with ADDIN_CRM=salesforce against the loopback Salesforce stand-in."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from addin_api.crm.local.demo_data import demo_dataset
from addin_api.services.drain import drain_once
from addin_api.store.models import AuditEntry
from tests.conftest import REP, REP2, ApiClient
from tests.standins.salesforce import signing_key


@pytest.fixture
def sf_app(make_app, tmp_path, sf):
    key_path = tmp_path / "sf-key.pem"
    key_path.write_text(signing_key().private_pem)
    app = make_app(**sf.settings_overrides(str(key_path)))
    app.deal_ids = sf.load_dataset(demo_dataset())
    return app


def client(app, idp, email=REP):
    return ApiClient(app.test_client(), idp.mint(email=email))


def test_context_deal_update_and_rating_through_salesforce(sf_app, idp, sf):
    api = client(sf_app, idp)
    contacts = api.get("/api/v1/context?email=nadia@northwind.example").get_json()["contacts"]
    assert [d["name"] for d in contacts[0]["deals"]][0] == "Northwind fleet visibility"
    deal_id = sf_app.deal_ids["nw-fleet"]
    deal = api.get(f"/api/v1/deals/{deal_id}").get_json()
    assert deal["stage"]["label"] == "Technical fit" and "Contract sent" in [
        s["label"] for s in deal["stages"]
    ]
    assert deal["url"].endswith(f"/lightning/r/Opportunity/{deal_id}/view")
    r = api.patch(
        f"/api/v1/deals/{deal_id}",
        json={"version": deal["version"], "stage": "Contract sent", "next_step": "Countersign"},
    )
    assert r.status_code == 200 and r.get_json()["deal"]["stage"]["label"] == "Contract sent"
    email = {
        "message_id": "<sf-1@northwind.example>",
        "subject": "Re: order form",
        "from": "nadia@northwind.example",
        "to": [REP],
        "sent_at": "2026-11-20T10:00:00+00:00",
        "body": "Signed.",
        "rating": "positive",
    }
    assert api.post(f"/api/v1/deals/{deal_id}/emails", json=email).status_code == 200
    assert (
        api.post(f"/api/v1/deals/{deal_id}/emails", json={**email, "rating": "negative"}).status_code == 200
    )
    logged = [
        a
        for a in api.get(f"/api/v1/deals/{deal_id}").get_json()["activities"]
        if a["message_id"] == email["message_id"]
    ]
    assert len(logged) == 1 and logged[0]["rating"] == "negative"


def test_conflict_through_salesforce(sf_app, idp):
    api, api2 = client(sf_app, idp), client(sf_app, idp, REP2)
    deal_id = sf_app.deal_ids["nw-fleet"]  # rep owns it; rep2 is read-only (the adapter reads no deal team)
    seen = api.get(f"/api/v1/deals/{deal_id}").get_json()["version"]
    assert (
        api.patch(f"/api/v1/deals/{deal_id}", json={"version": seen, "next_step": "First"}).status_code == 200
    )
    r = api.patch(
        f"/api/v1/deals/{deal_id}", json={"version": seen, "next_step": "Second, from a stale view"}
    )
    assert r.status_code == 409
    assert r.get_json()["conflict"]["fields"]["next_step"] == {
        "yours": "Second, from a stale view",
        "theirs": "First",
    }
    assert api2.patch(f"/api/v1/deals/{deal_id}", json={"version": seen, "next_step": "x"}).status_code == 403


def test_salesforce_outage_is_queued_then_drained(sf_app, idp, sf):
    api = client(sf_app, idp)
    deal_id = sf_app.deal_ids["nw-fleet"]
    seen = api.get(f"/api/v1/deals/{deal_id}").get_json()["version"]
    sf.fail("/composite", 503, times=1)
    r = api.patch(f"/api/v1/deals/{deal_id}", json={"version": seen, "next_step": "After the outage"})
    assert r.status_code == 202
    assert drain_once(sf_app.extensions["addin_api"].write_deps())["done"] == 1
    assert api.get(f"/api/v1/changes/{r.get_json()['change']['id']}").get_json()["state"] == "done"
    assert api.get(f"/api/v1/deals/{deal_id}").get_json()["next_step"] == "After the outage"


def test_validation_rule_rejection_shows_salesforces_words(sf_app, idp, sf):
    api = client(sf_app, idp)
    deal_id = sf_app.deal_ids["nw-fleet"]
    seen = api.get(f"/api/v1/deals/{deal_id}").get_json()["version"]
    sf.fail(
        "PATCH /services/data/v67.0/sobjects/Opportunity",
        400,
        "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        "Close date must be in the future to close.",
    )
    r = api.patch(f"/api/v1/deals/{deal_id}", json={"version": seen, "stage": "Closed won"})
    assert r.status_code == 422 and r.get_json()["message"] == "Close date must be in the future to close."


def test_a_stranger_becomes_a_contact_with_a_new_opportunity_in_salesforce_once(sf_app, idp, sf):
    api = client(sf_app, idp)
    mia = {"email": "mia@woodgrove.example", "name": "Mia Jones", "company": "Woodgrove Bank"}
    roles = api.get("/api/v1/crm/options").get_json()["roles"]
    assert "Economic Buyer" in roles  # the org's OpportunityContactRole.Role picklist
    body = {
        "name": "Woodgrove pilot",
        "stage": "Technical fit",
        "close_date": "2027-01-09",
        "amount": "184000",
    }
    new = {**body, "role": "Economic Buyer", "contact": mia}
    first = api.post("/api/v1/deals", json=new, headers={"Idempotency-Key": "sf-new-1"})
    assert first.status_code == 200
    deal = first.get_json()["deal"]
    assert (deal["account_name"], deal["amount"], deal["stakeholders"][0]["role"]) == (
        "Woodgrove Bank",
        "184000.00",
        "Economic Buyer",
    )
    # A retry under a new key (e.g. from another device) finds the opportunity instead of a second one.
    again = api.post("/api/v1/deals", json=new, headers={"Idempotency-Key": "sf-new-2"})
    assert again.get_json()["deal"]["id"] == deal["id"]
    assert [r["Email"] for r in sf.org.rows("Contact") if r["Email"] == "mia@woodgrove.example"] == [
        mia["email"]
    ]
    assert [r["Name"] for r in sf.org.rows("Opportunity") if r["Name"] == "Woodgrove pilot"] == [
        "Woodgrove pilot"
    ]
    assert [r["Name"] for r in sf.org.rows("Account") if r["Website"] == "woodgrove.example"] == [
        "Woodgrove Bank"
    ]


def test_attaching_a_stranger_while_salesforce_is_down_is_queued_then_delivered(sf_app, idp, sf):
    api = client(sf_app, idp)
    deal_id = sf_app.deal_ids["nw-analytics"]
    sf.fail("/composite", 503, "SERVER_UNAVAILABLE", times=3)  # the deal read answers 503: the CRM is down
    r = api.post(
        f"/api/v1/deals/{deal_id}/stakeholders",
        json={"contact": {"email": "mia@woodgrove.example", "name": "Mia Jones"}, "role": "Influencer"},
    )
    assert r.status_code == 202 and r.get_json()["change"]["state"] == "queued"
    sf.faults.clear()
    drain_once(sf_app.extensions["addin_api"].write_deps())
    deal = api.get(f"/api/v1/deals/{deal_id}").get_json()
    assert ("mia@woodgrove.example", "Influencer") in {(s["email"], s["role"]) for s in deal["stakeholders"]}


RATED = {
    "message_id": "<rerate@northwind.example>",
    "subject": "Re: terms",
    "from": "nadia@northwind.example",
    "to": [REP],
    "sent_at": "2026-11-20T10:00:00+00:00",
    "body": "Fine by us.",
    "rating": "positive",
}


def top_level_since(sf, before: int) -> list[str]:
    """`METHOD resource` (composite, sobjects...) of each request, not subrequest, after `before` calls."""
    return [f"{c.method} {c.path.split('/v67.0/')[-1].split('/')[0]}" for c in sf.calls[before:] if not c.sub]


def test_a_rerating_is_one_update_of_the_record_the_ledger_knows(sf_app, idp, sf):
    api, deal_id = client(sf_app, idp), sf_app.deal_ids["nw-fleet"]
    existing = set(sf.org.tables["EmailMessage"])
    assert api.post(f"/api/v1/deals/{deal_id}/emails", json=RATED).status_code == 200
    (logged,) = set(sf.org.tables["EmailMessage"]) - existing
    before = len(sf.calls)

    r = api.post(f"/api/v1/deals/{deal_id}/emails", json={**RATED, "rating": "negative"})

    assert r.status_code == 200
    assert top_level_since(sf, before) == ["POST composite"]  # the rights read and the rating, together
    assert sf.org.tables["EmailMessage"][logged][sf.rating_field] == "negative"


def test_a_rerating_of_an_email_deleted_in_salesforce_logs_it_again(sf_app, idp, sf):
    api, deal_id = client(sf_app, idp), sf_app.deal_ids["nw-fleet"]
    existing = set(sf.org.tables["EmailMessage"])
    assert api.post(f"/api/v1/deals/{deal_id}/emails", json=RATED).status_code == 200
    (logged,) = set(sf.org.tables["EmailMessage"]) - existing
    del sf.org.tables["EmailMessage"][logged]

    r = api.post(f"/api/v1/deals/{deal_id}/emails", json={**RATED, "rating": "negative"})

    assert r.status_code == 200
    (again,) = set(sf.org.tables["EmailMessage"]) - existing
    assert sf.org.tables["EmailMessage"][again][sf.rating_field] == "negative"


def test_a_save_is_one_request_read_gate_patch_and_reread_together(sf_app, idp, sf):
    api, deal_id = client(sf_app, idp), sf_app.deal_ids["nw-fleet"]
    seen = api.get(f"/api/v1/deals/{deal_id}").get_json()["version"]
    before = len(sf.calls)

    r = api.patch(f"/api/v1/deals/{deal_id}", json={"version": seen, "stage": "Contract sent"})

    assert r.status_code == 200 and r.get_json()["deal"]["stage"]["label"] == "Contract sent"
    assert top_level_since(sf, before) == ["POST composite"]
    (patch,) = [c for c in sf.calls[before:] if c.sub and c.method == "PATCH"]
    assert "If-Unmodified-Since" in patch.headers and patch.status == 204


def test_a_one_request_save_still_audits_what_it_replaced(sf_app, idp, sf):
    api, deal_id = client(sf_app, idp), sf_app.deal_ids["nw-fleet"]
    seen = api.get(f"/api/v1/deals/{deal_id}").get_json()
    body = {"version": seen["version"], "stage": "Contract sent", "next_step": "Countersign"}
    change_id = api.patch(f"/api/v1/deals/{deal_id}", json=body).get_json()["change"]["id"]
    with sf_app.extensions["addin_api"].sessions() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.change_id == change_id)).one()
    assert entry.user_email == REP and entry.deal_id == deal_id
    assert entry.before == {"stage": seen["stage"]["id"], "next_step": seen["next_step"]}
    assert entry.after == {"version": seen["version"], "stage": "Contract sent", "next_step": "Countersign"}


def test_a_stale_save_is_a_409_with_yours_and_theirs_in_one_request(sf_app, idp, sf):
    api, deal_id = client(sf_app, idp), sf_app.deal_ids["nw-fleet"]
    seen = api.get(f"/api/v1/deals/{deal_id}").get_json()["version"]
    sf.org.update("Opportunity", deal_id, {"NextStep": "A colleague's step"})
    before = len(sf.calls)

    r = api.patch(f"/api/v1/deals/{deal_id}", json={"version": seen, "next_step": "Mine"})

    assert r.status_code == 409 and top_level_since(sf, before) == ["POST composite"]
    conflict = r.get_json()["conflict"]
    assert conflict["fields"]["next_step"] == {"yours": "Mine", "theirs": "A colleague's step"}
    assert sf.org.get(deal_id)["NextStep"] == "A colleague's step"


def test_a_stage_outside_the_deals_picklist_is_refused_without_reaching_the_patch(sf_app, idp, sf):
    api, deal_id = client(sf_app, idp), sf_app.deal_ids["nw-fleet"]
    seen = api.get(f"/api/v1/deals/{deal_id}").get_json()["version"]
    before = len(sf.calls)

    r = api.patch(f"/api/v1/deals/{deal_id}", json={"version": seen, "stage": "No such stage"})

    assert r.status_code == 422 and "stage" in r.get_json()["errors"]["json"]
    assert top_level_since(sf, before) == ["POST composite"]
    assert not [c for c in sf.calls[before:] if c.method == "PATCH" and c.status < 300]


def test_a_rep_who_cannot_edit_the_deal_is_refused_and_nothing_is_written(sf_app, idp, sf):
    api2, deal_id = client(sf_app, idp, REP2), sf_app.deal_ids["nw-fleet"]  # rep2 only reads it
    seen = api2.get(f"/api/v1/deals/{deal_id}").get_json()["version"]
    existing = set(sf.org.tables["EmailMessage"])

    saved = api2.patch(f"/api/v1/deals/{deal_id}", json={"version": seen, "next_step": "Not mine"})
    rated = api2.post(f"/api/v1/deals/{deal_id}/emails", json=RATED)

    assert saved.status_code == 403 and rated.status_code == 403
    assert sf.org.get(deal_id)["NextStep"] != "Not mine"
    assert set(sf.org.tables["EmailMessage"]) == existing
    assert not [c for c in sf.calls if c.sub and c.method in {"PATCH", "POST"} and c.status < 300]


def test_a_rating_is_one_request(sf_app, idp, sf):
    api, deal_id = client(sf_app, idp), sf_app.deal_ids["nw-fleet"]
    api.get(f"/api/v1/deals/{deal_id}")  # warm, as after the sidebar open
    existing, before = set(sf.org.tables["EmailMessage"]), len(sf.calls)

    r = api.post(f"/api/v1/deals/{deal_id}/emails", json=RATED)

    assert r.status_code == 200 and top_level_since(sf, before) == ["POST composite"]
    (logged,) = set(sf.org.tables["EmailMessage"]) - existing
    assert sf.org.tables["EmailMessage"][logged]["RelatedToId"] == deal_id
    assert sf.org.tables["EmailMessage"][logged][sf.rating_field] == "positive"


@pytest.mark.parametrize("action", ["save", "rating"])
def test_the_connected_user_owning_the_deal_under_another_address_writes_nothing(sf_app, idp, sf, action):
    """Our rule compares the owner's email with the rep's mailbox (a sandbox user's ends in `.invalid`)."""
    api, deal_id = client(sf_app, idp), sf_app.deal_ids["nw-fleet"]
    seen = api.get(f"/api/v1/deals/{deal_id}").get_json()["version"]
    for user in sf.org.rows("User"):
        if user["Email"] == REP:
            user["Email"] = REP + ".invalid"
    logged = len(sf.org.tables["EmailMessage"])
    if action == "save":
        r = api.patch(f"/api/v1/deals/{deal_id}", json={"version": seen, "next_step": "Refused?"})
    else:
        r = api.post(f"/api/v1/deals/{deal_id}/emails", json={**RATED, "rating": "negative"})
    assert r.status_code == 403
    assert sf.org.get(deal_id)["NextStep"] != "Refused?"
    assert len(sf.org.tables["EmailMessage"]) == logged
