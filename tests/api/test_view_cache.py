"""Repeated reads answered from memory on the embedded CRM, never once anything they read has changed."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest

from addin_api.api.view_cache import MAX_AGE_S, ViewCache
from addin_api.crm.local.demo_data import demo_dataset
from tests.conftest import REP, ApiClient
from tests.standins.salesforce import SalesforceStandin, signing_key

CONTEXT = "/api/v1/context?email=nadia@northwind.example&email=leo@northwind.example"
READS = {"deal": "get_deal", "context": "find_context", "pipeline": "open_deals_of"}


def _path(route: str, deal_ids) -> str:
    return {
        "deal": f"/api/v1/deals/{deal_ids['nw-fleet']}",
        "context": CONTEXT,
        "pipeline": "/api/v1/pipeline",
    }[route]


def _count_reads(crm, monkeypatch) -> list[str]:
    """Record every read the embedded CRM serves (under the fault-injecting wrapper)."""
    seen = []
    for name in READS.values():
        real = getattr(crm.inner, name)
        monkeypatch.setattr(crm.inner, name, lambda *a, _n=name, _r=real, **k: seen.append(_n) or _r(*a, **k))
    return seen


@pytest.mark.parametrize("route", READS)
def test_a_repeated_read_is_answered_without_asking_the_crm_again(api, crm, deal_ids, route, monkeypatch):
    seen = _count_reads(crm, monkeypatch)
    first = api.get(_path(route, deal_ids))
    again = api.get(_path(route, deal_ids))
    assert first.status_code == again.status_code == 200
    assert again.get_json() == first.get_json()
    assert seen == [READS[route]]


@pytest.mark.parametrize("route", READS)
def test_with_the_cache_off_every_read_asks_the_crm(make_app, idp, route, monkeypatch):
    app = make_app(view_cache_mb=0)
    api = ApiClient(app.test_client(), idp.mint(email=REP))
    seen = _count_reads(app.extensions["addin_api"].crm, monkeypatch)
    assert api.get(_path(route, app.deal_ids)).status_code == 200
    assert api.get(_path(route, app.deal_ids)).status_code == 200
    assert seen == [READS[route]] * 2


def test_a_save_shows_in_the_very_next_view_and_sidebar(api, deal_ids):
    path = _path("deal", deal_ids)
    deal = api.get(path).get_json()
    assert api.get(CONTEXT).status_code == 200
    r = api.patch(
        path,
        json={"version": deal["version"], "stage": "business_case_approved", "next_step": "Send the quote"},
    )
    assert r.status_code == 200
    again = api.get(path).get_json()
    assert (again["stage"]["id"], again["next_step"]) == ("business_case_approved", "Send the quote")
    shown = api.get(CONTEXT).get_json()["contacts"][0]["deals"]
    assert [d["next_step"] for d in shown if d["id"] == deal["id"]] == ["Send the quote"]


def test_a_rating_shows_in_the_very_next_view(api, deal_ids):
    path = _path("deal", deal_ids)
    api.get(path)
    email = {
        "message_id": "<cache-1@northwind.example>",
        "subject": "Re: pricing",
        "from": "nadia@northwind.example",
        "to": [REP],
        "sent_at": "2026-11-20T10:00:00+00:00",
        "body": "Works for us.",
        "rating": "positive",
    }
    assert api.post(f"{path}/emails", json=email).status_code == 200
    acts = api.get(path + "?message_id=<cache-1@northwind.example>").get_json()["activities"]
    assert [a["rating"] for a in acts if a["message_id"] == email["message_id"]] == ["positive"]
    assert api.post(f"{path}/emails", json={**email, "rating": "negative"}).status_code == 200
    acts = api.get(path + "?message_id=<cache-1@northwind.example>").get_json()["activities"]
    assert [a["rating"] for a in acts if a["message_id"] == email["message_id"]] == ["negative"]


def test_a_change_another_process_commits_shows_in_the_next_view(api, app, deal_ids, database_url):
    path = _path("deal", deal_ids)
    assert api.get(path).get_json()["next_step"] != "Changed elsewhere"
    code = (
        "import sys; from sqlalchemy import create_engine, text\n"
        "with create_engine(sys.argv[1]).begin() as c:\n"
        "    c.execute(text('UPDATE crm_deal SET next_step = :s WHERE id = :i'),"
        " {'s': 'Changed elsewhere', 'i': int(sys.argv[2])})\n"
    )
    subprocess.run([sys.executable, "-c", code, database_url, deal_ids["nw-fleet"]], check=True)
    assert api.get(path).get_json()["next_step"] == "Changed elsewhere"


def test_each_rep_gets_their_own_answer(api, app, idp, deal_ids):
    path = _path("deal", deal_ids)
    assert api.get(path).get_json()["editable"] is True
    outsider = ApiClient(app.test_client(), idp.mint(email="sam@demo.example"))
    assert outsider.get(path).get_json()["editable"] is False
    assert api.get(path).get_json()["editable"] is True


def test_a_crm_that_goes_down_is_reported_not_hidden_behind_a_kept_answer(api, crm, deal_ids):
    path = _path("deal", deal_ids)
    assert api.get(path).status_code == 200
    crm.reads_down = True
    assert api.get(path).status_code == 503


def test_a_salesforce_deal_is_read_from_salesforce_on_every_open(make_app, idp, tmp_path):
    key_path = tmp_path / "sf-key.pem"
    key_path.write_text(signing_key().private_pem)
    with SalesforceStandin(public_key_pem=signing_key().public_pem) as sf:
        app = make_app(**sf.settings_overrides(str(key_path)))
        deal_id = sf.load_dataset(demo_dataset())["nw-fleet"]
        api = ApiClient(app.test_client(), idp.mint(email=REP))
        assert api.get(f"/api/v1/deals/{deal_id}").status_code == 200
        sf.org.tables["Opportunity"][deal_id]["NextStep"] = "Edited in Salesforce"
        assert api.get(f"/api/v1/deals/{deal_id}").get_json()["next_step"] == "Edited in Salesforce"


def test_identical_reads_arriving_together_compute_the_answer_once(app, idp, deal_ids, monkeypatch):
    readers, state = 6, app.extensions["addin_api"]
    claims, real_claim = threading.Semaphore(0), state.view_cache.claim
    monkeypatch.setattr(state.view_cache, "claim", lambda *a: (real_claim(*a), claims.release())[0])
    computed, real_get = [], state.crm.inner.get_deal

    def get_deal_once_all_asked(*args):
        computed.append(args[1])
        assert all(claims.acquire(timeout=10) for _ in range(readers)), "the other reads never arrived"
        return real_get(*args)

    monkeypatch.setattr(state.crm.inner, "get_deal", get_deal_once_all_asked)
    start, token, answers = threading.Barrier(readers), idp.mint(email=REP), []

    def read():
        client = ApiClient(app.test_client(), token)
        start.wait()
        answers.append(client.get(_path("deal", deal_ids)))

    threads = [threading.Thread(target=read) for _ in range(readers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.status_code for r in answers] == [200] * readers
    assert len({r.data for r in answers}) == 1
    assert computed == [deal_ids["nw-fleet"]]


class _Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_a_kept_answer_is_served_for_at_most_a_minute():
    clock = _Clock()
    cache = ViewCache(lambda: "s1", 1 << 20, clock)
    cache.put(("k",), "s1", clock(), b"{}")
    clock.now += MAX_AGE_S - 1
    assert cache.get(("k",), "s1") == b"{}"
    clock.now += 1
    assert cache.get(("k",), "s1") is None


def test_a_kept_answer_is_never_served_under_another_stamp():
    cache = ViewCache(lambda: "s2", 1 << 20)
    cache.put(("k",), "s1", cache.clock(), b"{}")
    assert cache.get(("k",), "s2") is None
    assert cache.get(("k",), "s1") is None  # dropped, not kept for a stamp that may come back


def test_the_cache_stays_within_its_memory_budget_dropping_the_least_recently_used():
    cache = ViewCache(lambda: "s", 8 * 100)
    for n in range(8):
        cache.put((n,), "s", cache.clock(), bytes(100))
    assert cache.get((0,), "s") is not None  # 0 is now the most recently used
    cache.put((8,), "s", cache.clock(), bytes(100))
    assert cache.get((1,), "s") is None
    assert all(cache.get((n,), "s") is not None for n in (0, 2, 3, 4, 5, 6, 7, 8))
    cache.put(("huge",), "s", cache.clock(), bytes(200))  # over an eighth of the budget: not kept
    assert cache.get(("huge",), "s") is None
