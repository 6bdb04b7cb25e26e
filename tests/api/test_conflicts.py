"""Conflicts through the API: the 409 lists everything that moved, and concurrent saves never lose one."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from addin_api.crm.local import models as m
from addin_api.services.drain import drain_once
from tests.conftest import REP2, ApiClient

MSG = "<race.1@northwind.example>"


@pytest.fixture
def casey(app, idp):
    """rep2@demo.example (on the nw-fleet deal team) with the display name Entra gives them."""
    return ApiClient(app.test_client(), idp.mint(email=REP2, extra={"name": "Casey Colleague"}))


def _deal(api, deal_id):
    return api.get(f"/api/v1/deals/{deal_id}", query_string={"message_id": MSG}).get_json()


def _drain(app):
    drain_once(app.extensions["addin_api"].write_deps())


def _set_amount(app, deal_id: str, amount: str) -> None:
    """Someone changes the amount in the embedded CRM itself (the API cannot)."""
    with Session(app.extensions["addin_api"].engine) as s, s.begin():
        s.get(m.Deal, int(deal_id)).amount = Decimal(amount)


def test_conflict_on_my_field_lists_what_else_moved_and_who_moved_it(app, api, casey, deal_ids):
    deal_id = deal_ids["nw-fleet"]
    seen = _deal(api, deal_id)
    moved = casey.patch(
        f"/api/v1/deals/{deal_id}",
        json={"version": seen["version"], "stage": "closed_lost", "next_step": "Lost to a competitor"},
    )
    assert moved.status_code == 200
    _set_amount(app, deal_id, "99000")
    r = api.patch(f"/api/v1/deals/{deal_id}", json={"version": seen["version"], "next_step": "Mine"})
    assert r.status_code == 409
    body = r.get_json()
    conflict = body["conflict"]
    assert conflict["fields"] == {"next_step": {"yours": "Mine", "theirs": "Lost to a competitor"}}
    assert conflict["also_changed"] == {"stage": {"theirs": "closed_lost"}, "amount": {"theirs": "99000.00"}}
    assert conflict["changed_by"] == "Casey Colleague"
    assert datetime.fromisoformat(conflict["changed_at"]).tzinfo is not None
    assert (body["theirs"]["stage"]["id"], body["theirs"]["amount"]) == ("closed_lost", "99000.00")
    assert conflict["current_version"] == body["theirs"]["version"]
    status = api.get(f"/api/v1/changes/{body['change_id']}").get_json()
    assert status["state"] == "conflict" and status["conflict"] == conflict
    mine = api.patch(
        f"/api/v1/deals/{deal_id}", json={"version": conflict["current_version"], "next_step": "Mine"}
    )
    assert mine.status_code == 200  # "Apply mine": the answer is the deal as the CRM has it
    assert (mine.get_json()["deal"]["stage"]["id"], mine.get_json()["deal"]["next_step"]) == (
        "closed_lost",
        "Mine",
    )


def test_concurrent_saves_with_one_version_keep_one_and_tell_the_other(app, api, api2, deal_ids):
    deal_id = deal_ids["nw-fleet"]
    version = _deal(api, deal_id)["version"]
    start = threading.Barrier(2, timeout=30)

    def save(client, step):
        start.wait()  # both requests leave together with the same version
        return client.patch(f"/api/v1/deals/{deal_id}", json={"version": version, "next_step": step})

    clients = {"rep": api, "rep2": api2}
    with ThreadPoolExecutor(2) as pool:
        replies = pool.map(save, clients.values(), ("From rep", "From rep2"))
        answers = dict(zip(clients, replies, strict=True))
    codes = sorted(r.status_code for r in answers.values())
    # The loser is told at once: its change waits for the winner's, in flight, then meets the new version.
    assert codes == [200, 409], codes
    winner = next(k for k, r in answers.items() if r.status_code == 200)
    loser = next(k for k in answers if k != winner)
    body = answers[loser].get_json()
    assert body["conflict"]["fields"]["next_step"] == {"yours": f"From {loser}", "theirs": f"From {winner}"}
    outcome = clients[loser].get(f"/api/v1/changes/{body['change_id']}").get_json()
    assert outcome["state"] == "conflict"
    assert outcome["conflict"]["fields"]["next_step"]["theirs"] == f"From {winner}"
    assert _deal(api, deal_id)["next_step"] == f"From {winner}"


def test_concurrent_logs_of_one_message_both_succeed_with_one_activity(app, api, api2, deal_ids):
    deal_id = deal_ids["nw-fleet"]
    email = {
        "message_id": MSG,
        "subject": "Re: fleet pricing",
        "from": "nadia@northwind.example",
        "to": ["rep@demo.example", "rep2@demo.example"],
        "sent_at": "2026-11-20T10:00:00+00:00",
        "body": "Agreed.",
        "rating": "positive",
    }
    start = threading.Barrier(2, timeout=30)

    def log(client):
        start.wait()
        return client.post(f"/api/v1/deals/{deal_id}/emails", json=email)

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(log, (api, api2)))
    assert all(r.status_code in (200, 202) for r in answers), [r.get_json() for r in answers]
    _drain(app)
    for r, client in zip(answers, (api, api2), strict=True):
        change_id = r.get_json()["change"]["id"]
        assert client.get(f"/api/v1/changes/{change_id}").get_json()["state"] == "done"
    logged = [a for a in _deal(api, deal_id)["activities"] if a["message_id"] == MSG]
    assert [a["rating"] for a in logged] == ["positive"]
