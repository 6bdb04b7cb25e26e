"""What a CRM cannot take never enters the queue; one idempotency story (reserve, replay, 409, 422)."""

from __future__ import annotations

import threading

import pytest

from tests.api.test_writes import _email

WAIT = 30  # seconds: a bound on Event waits, never a synchronisation by itself


def _deal(api, deal_id):
    return api.get(f"/api/v1/deals/{deal_id}").get_json()


@pytest.mark.parametrize("sent_at", ["9999-12-31T10:00:00+00:00", "0001-01-01T00:00:00+05:00"])
def test_an_absurd_email_date_is_422_and_the_deals_next_save_is_200(app, api, deal_ids, crm, sent_at):
    deal_id = deal_ids["nw-fleet"]
    r = api.post(f"/api/v1/deals/{deal_id}/emails", json=_email("positive", sent_at=sent_at))
    assert r.status_code == 422 and "sent_at" in r.get_json()["errors"]["json"]
    assert "SELECT" not in r.get_data(as_text=True) and crm.writes == []
    version = _deal(api, deal_id)["version"]
    assert (
        api.patch(f"/api/v1/deals/{deal_id}", json={"version": version, "next_step": "Next"}).status_code
        == 200
    )
    assert api.post(f"/api/v1/deals/{deal_id}/emails", json=_email("positive")).status_code == 200


def test_a_date_more_than_a_day_ahead_or_before_1990_is_refused(api, deal_ids):
    deal_id = deal_ids["nw-fleet"]
    for sent_at in ("2099-01-01T00:00:00+00:00", "1989-12-31T23:59:59+00:00"):
        r = api.post(f"/api/v1/deals/{deal_id}/emails", json=_email(sent_at=sent_at))
        assert r.status_code == 422, sent_at


@pytest.mark.parametrize(
    "over",
    [
        {"subject": "s" * 999},
        {"message_id": "<" + "m" * 990 + "@x.example>"},
        {"from": "a" * 64 + "@" + "d" * 260 + ".example"},
        {"to": [f"p{n}@x.example" for n in range(501)]},
        {"subject": "nul\x00here"},
    ],
)
def test_oversized_or_odd_values_are_refused_at_the_door(api, deal_ids, crm, over):
    r = api.post(f"/api/v1/deals/{deal_ids['nw-fleet']}/emails", json=_email(**over))
    assert r.status_code == 422 and crm.writes == []


def test_a_nul_in_the_next_step_is_refused(api, deal_ids):
    deal_id = deal_ids["nw-fleet"]
    r = api.patch(
        f"/api/v1/deals/{deal_id}", json={"version": _deal(api, deal_id)["version"], "next_step": "a\x00"}
    )
    assert r.status_code == 422


def test_a_retry_after_the_first_finished_gets_the_same_status_and_body_deal_included(
    app, api, deal_ids, crm
):
    deal_id = deal_ids["nw-fleet"]
    body = {"version": _deal(api, deal_id)["version"], "stage": "contract_sent"}
    headers = {"Idempotency-Key": "save-1"}
    first = api.patch(f"/api/v1/deals/{deal_id}", json=body, headers=headers)
    again = api.patch(f"/api/v1/deals/{deal_id}", json=body, headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.get_json() == first.get_json() and again.get_json()["deal"]["stage"]["id"] == "contract_sent"
    assert len(crm.writes) == 1
    other = api.patch(f"/api/v1/deals/{deal_id}", json={**body, "stage": "closed_won"}, headers=headers)
    assert other.status_code == 422


def test_a_retry_while_the_first_is_still_running_is_409_in_progress(app, idp, deal_ids, crm):
    from tests.conftest import REP, ApiClient

    token = idp.mint(email=REP)
    first_client, retry_client = ApiClient(app.test_client(), token), ApiClient(app.test_client(), token)
    deal_id = deal_ids["nw-fleet"]
    body = {"version": _deal(first_client, deal_id)["version"], "next_step": "Once"}
    reading, release = threading.Event(), threading.Event()
    inner_get = crm.get_deal

    def slow_get(rep, wanted):  # the first request stalls while reading the deal for its write
        reading.set()
        assert release.wait(WAIT)
        return inner_get(rep, wanted)

    answers = {}

    def first():
        answers["first"] = first_client.patch(
            f"/api/v1/deals/{deal_id}", json=body, headers={"Idempotency-Key": "k"}
        )

    crm.get_deal = slow_get
    worker = threading.Thread(target=first)
    worker.start()
    try:
        assert reading.wait(WAIT)
        retry = retry_client.patch(f"/api/v1/deals/{deal_id}", json=body, headers={"Idempotency-Key": "k"})
        assert retry.status_code == 409 and retry.get_json()["reason"] == "in_progress"
    finally:
        release.set()
        worker.join(WAIT)
    crm.get_deal = inner_get
    assert answers["first"].status_code == 200
    replay = retry_client.patch(f"/api/v1/deals/{deal_id}", json=body, headers={"Idempotency-Key": "k"})
    assert (replay.status_code, replay.get_json()) == (200, answers["first"].get_json())
    assert replay.get_json()["deal"]["next_step"] == "Once" and len(crm.writes) == 1


def test_a_key_whose_request_failed_on_our_side_can_be_retried(app, api, deal_ids, crm):
    deal_id = deal_ids["nw-fleet"]
    body = {"version": _deal(api, deal_id)["version"], "next_step": "After the glitch"}
    inner_get = crm.get_deal

    def crash(rep, wanted):
        raise RuntimeError("boom")

    crm.get_deal = crash
    assert (
        api.patch(f"/api/v1/deals/{deal_id}", json=body, headers={"Idempotency-Key": "g"}).status_code == 500
    )
    crm.get_deal = inner_get
    assert (
        api.patch(f"/api/v1/deals/{deal_id}", json=body, headers={"Idempotency-Key": "g"}).status_code == 200
    )
