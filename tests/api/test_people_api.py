"""People not in the CRM over HTTP: add a contact, put them on a deal, create a deal; the right deal first."""

from __future__ import annotations

from addin_api.services.drain import drain_once

STRANGER = {"email": "Mia.Jones@Woodgrove.example", "name": "Mia Jones", "company": "Woodgrove Bank"}


def _context(api, *emails):
    query = "&".join(f"email={e}" for e in emails)
    return api.get(f"/api/v1/context?{query}").get_json()


def test_context_lists_an_unknown_participant_with_a_guessed_name_and_company(api):
    body = _context(api, "mia.jones@woodgrove.example", "nadia@northwind.example", "rep2@demo.example")
    assert body["unknown"] == [
        {"email": "mia.jones@woodgrove.example", "name": "Mia Jones", "company": "Woodgrove", "title": ""}
    ]


def test_deals_where_the_person_is_a_stakeholder_come_first_and_say_why(api):
    [nadia] = _context(api, "nadia@northwind.example")["contacts"]
    matches = [(d["name"], d["match"]) for d in nadia["deals"]]
    assert matches[0] == (
        "Northwind fleet visibility",
        {"reason": "stakeholder", "contact": "nadia@northwind.example", "role": "Champion"},
    )
    assert (
        "Northwind analytics add-on",
        {"reason": "account", "contact": "nadia@northwind.example", "role": None},
    ) in matches


def test_add_contact_then_retry_with_the_same_key_makes_one_contact(api, crm):
    key = {"Idempotency-Key": "add-mia-1"}
    first = api.post("/api/v1/contacts", json={"contact": STRANGER}, headers=key)
    again = api.post("/api/v1/contacts", json={"contact": STRANGER}, headers=key)
    assert first.status_code == 200 and again.status_code == 200
    assert first.get_json()["contact"]["account_name"] == "Woodgrove Bank"
    assert again.get_json()["change"]["id"] == first.get_json()["change"]["id"]
    # A new key for the same person still finds the contact instead of adding a second one.
    third = api.post("/api/v1/contacts", json={"contact": STRANGER}, headers={"Idempotency-Key": "add-mia-2"})
    assert third.get_json()["contact"]["id"] == first.get_json()["contact"]["id"]
    assert [w for w in crm.writes if w[0] == "add_contact"] == [
        ("add_contact", "mia.jones@woodgrove.example")
    ] * 2
    body = _context(api, "mia.jones@woodgrove.example")
    assert [c["contact"]["name"] for c in body["contacts"]] == ["Mia Jones"] and body["unknown"] == []


def test_add_contact_while_the_crm_is_down_is_queued_then_delivered(app, api, crm):
    crm.down = True
    r = api.post("/api/v1/contacts", json={"contact": STRANGER}, headers={"Idempotency-Key": "mia-down"})
    assert r.status_code == 202
    change = r.get_json()["change"]
    assert (change["state"], change["op"], change["deal_id"]) == ("queued", "add_contact", None)
    crm.down = False
    drain_once(app.extensions["addin_api"].write_deps())
    assert api.get(f"/api/v1/changes/{change['id']}").get_json()["state"] == "done"
    assert [c["contact"]["email"] for c in _context(api, "mia.jones@woodgrove.example")["contacts"]] == [
        "mia.jones@woodgrove.example"
    ]


def test_attach_a_stranger_to_my_deal_then_the_deal_matches_them_as_stakeholder(api, deal_ids):
    deal_id = deal_ids["nw-analytics"]
    r = api.post(
        f"/api/v1/deals/{deal_id}/stakeholders",
        json={"contact": STRANGER, "role": "Influencer"},
        headers={"Idempotency-Key": "attach-mia"},
    )
    assert r.status_code == 200
    assert ("mia.jones@woodgrove.example", "Influencer") in {
        (s["email"], s["role"]) for s in r.get_json()["deal"]["stakeholders"]
    }
    [mia] = _context(api, "mia.jones@woodgrove.example")["contacts"]
    assert [(d["id"], d["match"]["reason"], d["match"]["role"]) for d in mia["deals"]] == [
        (deal_id, "stakeholder", "Influencer")
    ]


def test_attach_with_a_role_the_crm_does_not_have_is_422_and_nothing_is_recorded(api, deal_ids, crm):
    r = api.post(
        f"/api/v1/deals/{deal_ids['nw-analytics']}/stakeholders", json={"contact": STRANGER, "role": "Wizard"}
    )
    assert r.status_code == 422 and "Valid: Economic buyer" in r.get_json()["errors"]["json"]["role"][0]
    assert crm.writes == []


def test_attach_to_someone_elses_deal_is_403(api2, deal_ids):
    r = api2.post(f"/api/v1/deals/{deal_ids['nw-analytics']}/stakeholders", json={"contact": STRANGER})
    assert r.status_code == 403


def test_attach_while_the_crm_is_down_is_202_and_delivered_later(app, api, deal_ids, crm):
    deal_id = deal_ids["nw-analytics"]
    crm.down = crm.reads_down = True
    r = api.post(f"/api/v1/deals/{deal_id}/stakeholders", json={"contact": STRANGER, "role": "Champion"})
    assert r.status_code == 202 and r.get_json()["change"]["deal_id"] == deal_id
    crm.down = crm.reads_down = False
    drain_once(app.extensions["addin_api"].write_deps())
    assert crm.writes == [("add_stakeholder", deal_id, "mia.jones@woodgrove.example", "Champion")]


def test_options_list_roles_and_open_stages(api):
    body = api.get("/api/v1/crm/options").get_json()
    assert "Champion" in body["roles"] and body["currency"] == "USD"
    assert [s["id"] for s in body["stages"]][:2] == ["problem_identified", "solution_evaluation"]
    assert not any(s["is_closed"] for s in body["stages"])


def _new_deal(**over):
    return {
        "name": "Woodgrove pilot",
        "stage": "problem_identified",
        "close_date": "2027-01-09",
        "amount": "184000",
        "role": "Champion",
        "contact": STRANGER,
        **over,
    }


def test_create_a_deal_for_a_strangers_new_account_once(api, crm):
    key = {"Idempotency-Key": "deal-contoso"}
    first = api.post("/api/v1/deals", json=_new_deal(), headers=key)
    again = api.post("/api/v1/deals", json=_new_deal(), headers=key)
    assert first.status_code == 200 and again.get_json() == first.get_json()
    deal = first.get_json()["deal"]
    assert (deal["name"], deal["account_name"], deal["amount"], deal["close_date"], deal["owner_email"]) == (
        "Woodgrove pilot",
        "Woodgrove Bank",
        "184000.00",
        "2027-01-09",
        "rep@demo.example",
    )
    assert first.get_json()["change"]["deal_id"] == deal["id"]
    assert len([w for w in crm.writes if w[0] == "create_deal"]) == 1
    assert deal["id"] in {d["id"] for d in api.get("/api/v1/pipeline").get_json()["deals"]}
    [mia] = _context(api, "mia.jones@woodgrove.example")["contacts"]
    assert [(d["name"], d["match"]["role"]) for d in mia["deals"]] == [("Woodgrove pilot", "Champion")]


def test_create_deal_while_the_crm_is_down_is_202_then_the_change_names_the_deal(app, api, crm):
    crm.down = True
    r = api.post("/api/v1/deals", json=_new_deal(), headers={"Idempotency-Key": "deal-down"})
    assert r.status_code == 202
    change_id = r.get_json()["change"]["id"]
    crm.down = False
    drain_once(app.extensions["addin_api"].write_deps())
    status = api.get(f"/api/v1/changes/{change_id}").get_json()
    assert status["state"] == "done" and status["deal_id"]
    assert api.get(f"/api/v1/deals/{status['deal_id']}").get_json()["name"] == "Woodgrove pilot"


def test_create_deal_with_an_unknown_stage_is_refused(api):
    r = api.post("/api/v1/deals", json=_new_deal(stage="negotiation"))
    assert r.status_code == 422


def test_log_an_email_from_a_new_contact_without_a_rating(api, deal_ids):
    deal_id = deal_ids["nw-analytics"]
    api.post(f"/api/v1/deals/{deal_id}/stakeholders", json={"contact": STRANGER, "role": "Champion"})
    r = api.post(
        f"/api/v1/deals/{deal_id}/emails",
        json={
            "message_id": "<mia-1@woodgrove.example>",
            "subject": "Intro",
            "from": "mia.jones@woodgrove.example",
            "to": ["rep@demo.example"],
            "sent_at": "2026-11-20T10:00:00+00:00",
            "rating": None,
        },
    )
    assert r.status_code == 200
    logged = {a["message_id"]: a for a in api.get(f"/api/v1/deals/{deal_id}").get_json()["activities"]}
    assert logged["<mia-1@woodgrove.example>"]["rating"] is None
