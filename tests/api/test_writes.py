"""The write path: saved, queued then drained, conflict, rejection, rights, idempotency, email logging."""

from __future__ import annotations

from addin_api.services.drain import drain_once

MSG = "<abc.123@northwind.example>"


def _deal(api, deal_id):
    return api.get(f"/api/v1/deals/{deal_id}").get_json()


def _email(rating=None, **over):
    return {
        "message_id": MSG,
        "subject": "Re: security review",
        "from": "nadia@northwind.example",
        "to": ["rep@demo.example"],
        "cc": [],
        "sent_at": "2026-11-20T10:00:00+00:00",
        "body": "We are good to go.",
        "rating": rating,
        **over,
    }


def test_change_stage_and_next_step_is_saved_in_the_crm(api, deal_ids):
    deal_id = deal_ids["nw-fleet"]
    version = _deal(api, deal_id)["version"]
    r = api.patch(
        f"/api/v1/deals/{deal_id}",
        json={"version": version, "stage": "business_case_approved", "next_step": "CFO sign-off meeting"},
    )
    assert r.status_code == 200
    body = r.get_json()
    assert body["change"]["state"] == "done"
    assert body["deal"]["stage"]["label"] == "Business case approved"
    again = _deal(api, deal_id)
    assert again["next_step"] == "CFO sign-off meeting" and again["version"] != version
    assert api.get(f"/api/v1/changes/{body['change']['id']}").get_json()["state"] == "done"


def test_empty_next_step_clears_it(api, deal_ids):
    deal_id = deal_ids["nw-fleet"]
    r = api.patch(
        f"/api/v1/deals/{deal_id}", json={"version": _deal(api, deal_id)["version"], "next_step": ""}
    )
    assert r.status_code == 200 and _deal(api, deal_id)["next_step"] == ""


def test_stage_outside_the_deals_pipeline_is_422(api, deal_ids, crm):
    deal_id = deal_ids["nw-fleet"]
    r = api.patch(
        f"/api/v1/deals/{deal_id}", json={"version": _deal(api, deal_id)["version"], "stage": "Negotiation"}
    )
    assert r.status_code == 422
    assert "not a stage of this deal" in r.get_json()["errors"]["json"]["stage"][0]
    assert crm.writes == []


def test_crm_outage_queues_then_drain_delivers_once_in_order(app, api, deal_ids, crm):
    deal_id = deal_ids["nw-fleet"]
    version = _deal(api, deal_id)["version"]
    crm.down = True
    first = api.patch(
        f"/api/v1/deals/{deal_id}", json={"version": version, "stage": "business_case_approved"}
    )
    second = api.patch(f"/api/v1/deals/{deal_id}", json={"version": version, "next_step": "Send order form"})
    assert first.status_code == 202 and second.status_code == 202
    first_id = first.get_json()["change"]["id"]
    assert api.get(f"/api/v1/changes/{first_id}").get_json()["state"] == "queued"
    assert drain_once(app.extensions["addin_api"].write_deps())["queued"] >= 1  # still down: kept
    crm.down = False
    drain_once(app.extensions["addin_api"].write_deps())
    assert [w[2] for w in crm.writes] == [
        {"stage": "business_case_approved"},
        {"next_step": "Send order form"},
    ]
    assert api.get(f"/api/v1/changes/{first_id}").get_json()["state"] == "done"
    deal = _deal(api, deal_id)
    assert (deal["stage"]["id"], deal["next_step"]) == ("business_case_approved", "Send order form")
    drain_once(app.extensions["addin_api"].write_deps())
    assert len(crm.writes) == 2  # nothing applied twice


def test_new_change_waits_behind_a_queued_one(app, api, deal_ids, crm):
    deal_id = deal_ids["nw-fleet"]
    version = _deal(api, deal_id)["version"]
    crm.down = True
    api.patch(f"/api/v1/deals/{deal_id}", json={"version": version, "next_step": "first"})
    crm.down = False
    r = api.patch(f"/api/v1/deals/{deal_id}", json={"version": version, "next_step": "second"})
    assert r.status_code == 202  # must not overtake the older change
    drain_once(app.extensions["addin_api"].write_deps())
    assert [w[2]["next_step"] for w in crm.writes] == ["first", "second"]


def test_conflicting_edit_is_409_with_yours_and_theirs(api, api2, deal_ids):
    deal_id = deal_ids["nw-fleet"]  # rep2 is on the deal team
    seen = _deal(api, deal_id)["version"]
    assert (
        api2.patch(f"/api/v1/deals/{deal_id}", json={"version": seen, "stage": "contract_sent"}).status_code
        == 200
    )
    r = api.patch(f"/api/v1/deals/{deal_id}", json={"version": seen, "stage": "closed_lost"})
    assert r.status_code == 409
    body = r.get_json()
    assert body["conflict"]["fields"]["stage"] == {"yours": "closed_lost", "theirs": "contract_sent"}
    assert body["theirs"]["stage"]["id"] == "contract_sent"
    assert _deal(api, deal_id)["stage"]["id"] == "contract_sent"  # never overwritten
    assert api.get(f"/api/v1/changes/{body['change_id']}").get_json()["state"] == "conflict"
    retry = api.patch(
        f"/api/v1/deals/{deal_id}",
        json={"version": body["conflict"]["current_version"], "stage": "closed_lost"},
    )
    assert retry.status_code == 200  # "apply mine" with the version just shown


def test_crm_rejection_is_422_with_the_crms_message(api, deal_ids, crm):
    deal_id = deal_ids["nw-fleet"]
    crm.reject_with = "Close date is required to close a deal."
    r = api.patch(
        f"/api/v1/deals/{deal_id}", json={"version": _deal(api, deal_id)["version"], "stage": "closed_won"}
    )
    assert r.status_code == 422
    assert r.get_json()["message"] == "Close date is required to close a deal."
    assert api.get(f"/api/v1/changes/{r.get_json()['change_id']}").get_json()["state"] == "rejected"


def test_rep_cannot_edit_someone_elses_deal(api2, deal_ids, crm):
    deal_id = deal_ids["contoso-clinics"]  # owned by rep, rep2 not on the team
    deal = api2.get(f"/api/v1/deals/{deal_id}").get_json()
    assert deal["editable"] is False
    r = api2.patch(f"/api/v1/deals/{deal_id}", json={"version": deal["version"], "next_step": "mine now"})
    assert r.status_code == 403 and crm.writes == []


def test_changes_of_other_reps_are_invisible(api, api2, deal_ids):
    deal_id = deal_ids["nw-fleet"]
    r = api.patch(
        f"/api/v1/deals/{deal_id}", json={"version": _deal(api, deal_id)["version"], "next_step": "x"}
    )
    assert api2.get(f"/api/v1/changes/{r.get_json()['change']['id']}").status_code == 404


def test_replayed_idempotency_key_returns_first_response_without_second_write(api, deal_ids, crm):
    deal_id = deal_ids["nw-fleet"]
    body = {"version": _deal(api, deal_id)["version"], "next_step": "Book the workshop"}
    headers = {"Idempotency-Key": "save-42"}
    first = api.patch(f"/api/v1/deals/{deal_id}", json=body, headers=headers)
    again = api.patch(f"/api/v1/deals/{deal_id}", json=body, headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(crm.writes) == 1
    other = api.patch(f"/api/v1/deals/{deal_id}", json={**body, "next_step": "different"}, headers=headers)
    assert other.status_code == 422 and len(crm.writes) == 1


def test_idempotency_keys_are_per_user(api, api2, deal_ids, crm):
    deal_id = deal_ids["nw-fleet"]
    headers = {"Idempotency-Key": "same-key"}
    api.patch(
        f"/api/v1/deals/{deal_id}",
        json={"version": _deal(api, deal_id)["version"], "next_step": "a"},
        headers=headers,
    )
    r = api2.patch(
        f"/api/v1/deals/{deal_id}",
        json={"version": _deal(api2, deal_id)["version"], "next_step": "b"},
        headers=headers,
    )
    assert r.status_code == 200 and len(crm.writes) == 2


def test_rating_twice_keeps_one_activity_with_latest_rating(api, deal_ids, crm):
    deal_id = deal_ids["nw-fleet"]
    assert api.post(f"/api/v1/deals/{deal_id}/emails", json=_email("positive")).status_code == 200
    assert api.post(f"/api/v1/deals/{deal_id}/emails", json=_email("negative")).status_code == 200
    activities = [a for a in _deal(api, deal_id)["activities"] if a["message_id"] == MSG]
    assert len(activities) == 1
    assert activities[0]["rating"] == "negative" and activities[0]["direction"] == "inbound"
    assert api.post(f"/api/v1/deals/{deal_id}/emails", json=_email(None)).status_code == 200
    assert [a["rating"] for a in _deal(api, deal_id)["activities"] if a["message_id"] == MSG] == [None]


def test_logged_email_direction_and_health_follow_the_rep(api, deal_ids):
    deal_id = deal_ids["nw-fleet"]
    before = _deal(api, deal_id)["health"]["outbound_count"]
    sent = _email(
        message_id="<out.1@demo.example>", **{"from": "rep@demo.example", "to": ["nadia@northwind.example"]}
    )
    api.post(f"/api/v1/deals/{deal_id}/emails", json=sent)
    deal = _deal(api, deal_id)
    assert deal["health"]["outbound_count"] == before + 1
    assert (
        next(a for a in deal["activities"] if a["message_id"] == "<out.1@demo.example>")["direction"]
        == "outbound"
    )


def test_email_body_is_capped(app, api, deal_ids):
    deal_id = deal_ids["nw-fleet"]
    api.post(f"/api/v1/deals/{deal_id}/emails", json=_email(body="y" * 25_000))
    from sqlalchemy import select

    from addin_api.crm.local.models import Activity

    with app.extensions["addin_api"].engine.connect() as conn:
        body = conn.execute(select(Activity.body).where(Activity.message_id == MSG)).scalar_one()
    assert len(body) == 20_000


def test_email_logging_survives_an_outage(app, api, deal_ids, crm):
    deal_id = deal_ids["nw-fleet"]
    crm.down = True
    r = api.post(f"/api/v1/deals/{deal_id}/emails", json=_email("positive"))
    assert r.status_code == 202
    crm.down = False
    drain_once(app.extensions["addin_api"].write_deps())
    assert api.get(f"/api/v1/changes/{r.get_json()['change']['id']}").get_json()["state"] == "done"
    assert [a["rating"] for a in _deal(api, deal_id)["activities"] if a["message_id"] == MSG] == ["positive"]


def test_invalid_message_id_is_422(api, deal_ids):
    r = api.post(f"/api/v1/deals/{deal_ids['nw-fleet']}/emails", json=_email(message_id="no-brackets"))
    assert r.status_code == 422 and "message_id" in r.get_json()["errors"]["json"]


def test_an_older_rated_email_still_shows_its_rating_when_open(api, deal_ids):
    deal_id = deal_ids["nw-fleet"]
    old = _email("positive", sent_at="2026-09-01T10:00:00+00:00")
    api.post(f"/api/v1/deals/{deal_id}/emails", json=old)
    for n in range(12):  # newer emails push it out of the deal's recent activities
        api.post(
            f"/api/v1/deals/{deal_id}/emails", json=_email(None, message_id=f"<newer.{n}@northwind.example>")
        )
    assert MSG not in [a["message_id"] for a in _deal(api, deal_id)["activities"]]
    opened = api.get(f"/api/v1/deals/{deal_id}", query_string={"message_id": MSG}).get_json()
    assert [a["rating"] for a in opened["activities"] if a["message_id"] == MSG] == ["positive"]
    context = api.get(
        "/api/v1/context", query_string={"email": "nadia@northwind.example", "message_id": MSG}
    ).get_json()
    fleet = next(d for d in context["contacts"][0]["deals"] if d["id"] == deal_id)
    assert [a["rating"] for a in fleet["activities"] if a["message_id"] == MSG] == ["positive"]


def test_a_colleagues_stage_change_does_not_block_my_next_step(api, api2, deal_ids):
    deal_id = deal_ids["nw-fleet"]
    seen = _deal(api, deal_id)["version"]
    assert (
        api2.patch(f"/api/v1/deals/{deal_id}", json={"version": seen, "stage": "contract_sent"}).status_code
        == 200
    )
    r = api.patch(f"/api/v1/deals/{deal_id}", json={"version": seen, "next_step": "Mine"})
    assert r.status_code == 200
    answered = r.get_json()["deal"]  # the pane shows the deal as it is, stage moved by the colleague
    assert (answered["stage"]["id"], answered["next_step"]) == ("contract_sent", "Mine")
    deal = _deal(api, deal_id)
    assert (deal["stage"]["id"], deal["next_step"]) == ("contract_sent", "Mine")  # both edits kept


def test_conflict_lists_only_the_fields_that_really_collide(api, api2, deal_ids):
    deal_id = deal_ids["nw-fleet"]
    seen = _deal(api, deal_id)["version"]
    api2.patch(f"/api/v1/deals/{deal_id}", json={"version": seen, "stage": "contract_sent"})
    r = api.patch(
        f"/api/v1/deals/{deal_id}", json={"version": seen, "stage": "closed_lost", "next_step": "Mine"}
    )
    assert r.status_code == 409
    assert list(r.get_json()["conflict"]["fields"]) == ["stage"]


def test_a_refused_crm_session_keeps_the_change_and_asks_to_reconnect(app, api, deal_ids, crm):
    deal_id = deal_ids["nw-fleet"]
    version = _deal(api, deal_id)["version"]
    crm.auth_expired = True
    r = api.patch(f"/api/v1/deals/{deal_id}", json={"version": version, "next_step": "After reconnecting"})
    assert r.status_code == 403 and r.get_json()["reason"] == "crm_auth"
    change = api.get(f"/api/v1/changes/{r.get_json()['change_id']}").get_json()
    assert (change["state"], change["attempts"]) == ("needs_connect", 0)
    crm.auth_expired = False
    drain_once(app.extensions["addin_api"].write_deps())  # parked: the drain leaves it alone
    assert crm.writes == []
    # The rep's next save reads the deal as them: their session works again, so the parked change goes
    # first and this one queues behind it.
    later = api.patch(f"/api/v1/deals/{deal_id}", json={"version": version, "stage": "contract_sent"})
    assert later.status_code == 202
    drain_once(app.extensions["addin_api"].write_deps())
    assert api.get(f"/api/v1/changes/{r.get_json()['change_id']}").get_json()["state"] == "done"
    deal = _deal(api, deal_id)
    assert (deal["next_step"], deal["stage"]["id"]) == ("After reconnecting", "contract_sent")
