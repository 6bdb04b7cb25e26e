"""A rep whose CRM session expired holds nobody else's saves; their change is parked until they reconnect."""

from __future__ import annotations

from addin_api.domain import Principal
from addin_api.services import changes
from addin_api.services.drain import drain_once
from tests.conftest import REP


def _deal(api, deal_id):
    return api.get(f"/api/v1/deals/{deal_id}").get_json()


def _reconnect(app, change_id: str) -> None:
    """What the connect flow does once the rep's CRM account is connected again: release their changes."""
    state = app.extensions["addin_api"]
    rep = Principal(**state.outbox.get(change_id).user)
    state.crm.expired_for.discard(rep.email)
    assert changes.release_parked(state.outbox, rep) == 1


def _park_a_change(api, crm, deal_id, version, **fields):
    crm.expired_for.add(REP)
    r = api.patch(f"/api/v1/deals/{deal_id}", json={"version": version, **fields})
    assert r.status_code == 403
    body = r.get_json()
    assert (body["reason"], body["pending_changes"]) == ("crm_auth", 1)
    return body["change_id"]


def test_an_expired_session_of_rep_a_does_not_delay_rep_b_and_a_lands_after_reconnect(
    app, api, api2, deal_ids, crm
):
    deal_id = deal_ids["nw-fleet"]  # rep owns it, rep2 is on the deal team
    seen = _deal(api, deal_id)["version"]
    parked = _park_a_change(api, crm, deal_id, seen, next_step="A's next step")

    b = api2.patch(f"/api/v1/deals/{deal_id}", json={"version": seen, "stage": "contract_sent"})
    assert b.status_code == 200 and b.get_json()["change"]["state"] == "done"  # at once, not queued

    drain_once(app.extensions["addin_api"].write_deps())
    assert api.get(f"/api/v1/changes/{parked}").get_json()["state"] == "needs_connect"
    _reconnect(app, parked)
    assert drain_once(app.extensions["addin_api"].write_deps())["done"] == 1
    change = api.get(f"/api/v1/changes/{parked}").get_json()
    assert (change["state"], change["attempts"]) == ("done", 1)  # parking cost no attempt
    deal = _deal(api, deal_id)
    assert (deal["stage"]["id"], deal["next_step"]) == ("contract_sent", "A's next step")


def test_a_parked_change_is_a_conflict_if_b_changed_the_field_a_edited(app, api, api2, deal_ids, crm):
    deal_id = deal_ids["nw-fleet"]
    seen = _deal(api, deal_id)["version"]
    parked = _park_a_change(api, crm, deal_id, seen, next_step="A's next step")
    assert (
        api2.patch(f"/api/v1/deals/{deal_id}", json={"version": seen, "next_step": "B's"}).status_code == 200
    )

    _reconnect(app, parked)
    drain_once(app.extensions["addin_api"].write_deps())
    change = api.get(f"/api/v1/changes/{parked}").get_json()
    assert change["state"] == "conflict"
    assert change["conflict"]["fields"]["next_step"] == {"yours": "A's next step", "theirs": "B's"}
    assert _deal(api, deal_id)["next_step"] == "B's"  # never silently overwritten


def test_the_rep_lists_their_own_parked_changes_and_reads_say_how_many(app, api, api2, deal_ids, crm):
    crm.expired_for.add(REP)
    before = api.get("/api/v1/pipeline")
    assert before.status_code == 403 and before.get_json()["pending_changes"] == 0
    crm.expired_for.clear()
    deal_id = deal_ids["nw-fleet"]
    parked = _park_a_change(api, crm, deal_id, _deal(api2, deal_id)["version"], next_step="x")

    read = api.get(f"/api/v1/deals/{deal_id}")
    assert (read.status_code, read.get_json()["reason"], read.get_json()["pending_changes"]) == (
        403,
        "crm_auth",
        1,
    )
    mine = api.get("/api/v1/changes", query_string={"state": "needs_connect"}).get_json()
    assert mine["total"] == 1 and [c["id"] for c in mine["changes"]] == [parked]
    assert mine["changes"][0]["reason"]
    theirs = api2.get("/api/v1/changes", query_string={"state": "needs_connect"}).get_json()
    assert theirs == {"changes": [], "total": 0}
    assert api.get("/api/v1/changes", query_string={"state": "queued"}).get_json()["total"] == 0
    assert api.get("/api/v1/changes", query_string={"state": "done"}).status_code == 422


def test_a_change_that_keeps_failing_unexpectedly_is_rejected_with_a_human_reason(app, api, deal_ids, crm):
    class Broken(Exception):
        pass

    def broken_update(rep, deal_id, changes):
        raise Broken("(psycopg.errors.DataError) SELECT * FROM opportunity WHERE secret = 1")

    crm.update_deal = broken_update
    deal_id, other = deal_ids["nw-fleet"], deal_ids["nw-analytics"]
    r = api.patch(
        f"/api/v1/deals/{deal_id}", json={"version": _deal(api, deal_id)["version"], "next_step": "x"}
    )
    assert r.status_code == 202
    change_id = r.get_json()["change"]["id"]
    deps = app.extensions["addin_api"].write_deps()
    for _ in range(deps.max_unexpected):
        drain_once(deps)
    change = api.get(f"/api/v1/changes/{change_id}").get_json()
    assert change["state"] == "rejected"
    assert change["reason"] == "We could not deliver this change. Please try again or contact your admin."
    del crm.update_deal  # fixed: the deal's queue is free for the next save
    version = _deal(api, deal_id)["version"]
    assert (
        api.patch(f"/api/v1/deals/{deal_id}", json={"version": version, "next_step": "y"}).status_code == 200
    )
    assert (
        api.patch(
            f"/api/v1/deals/{other}", json={"version": _deal(api, other)["version"], "next_step": "z"}
        ).status_code
        == 200
    )
