"""GET /api/v1/pipeline a page at a time: every open deal exactly once, stable order, server-side filters."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from addin_api.crm.local.seed import load_dataset
from addin_api.domain import utcnow
from tests.conftest import REP

CLOSE = date(2027, 3, 1)


def book(n: int) -> dict:
    """`n` open deals for REP (some on the team only, some sharing a close date, some with none)."""
    deals = []
    for i in range(n):
        owned = i % 5 != 0
        deals.append(
            {
                "key": f"b{i}",
                "account": "acct",
                "name": f"Book deal {i}",
                "stage": "Technical fit" if i % 3 else "Problem identified",
                "owner": REP if owned else "someone@demo.example",
                "team": [] if owned else [REP],
                "close_date": None if i % 7 == 0 else (CLOSE + timedelta(days=i % 4)).isoformat(),
                "emails": []
                if i % 2
                else [
                    {
                        "message_id": f"<b{i}@x.example>",
                        "from": "buyer@acct.example",
                        "sent_at": (utcnow() - timedelta(days=40)).isoformat(),
                        "direction": "inbound",
                    }
                ],
            }
        )
    return {"accounts": [{"key": "acct", "name": "Acct"}], "contacts": [], "deals": deals}


@pytest.fixture
def big_book(app):
    """37 more open deals for REP on top of the demo set."""
    load_dataset(app.extensions["addin_api"].engine, book(37))


def all_pages(api, query: str = "", limit: int = 7) -> list[list[dict]]:
    """Every page of the pipeline, following `next` until it is null."""
    pages, cursor = [], None
    while True:
        url = f"/api/v1/pipeline?limit={limit}{query}" + (f"&cursor={cursor}" if cursor else "")
        r = api.get(url)
        assert r.status_code == 200, r.get_json()
        body = r.get_json()
        pages.append(body["deals"])
        cursor = body["next"]
        if cursor is None:
            return pages


def test_every_open_deal_is_on_exactly_one_page(api, big_book):
    everything = api.get("/api/v1/pipeline?limit=200").get_json()
    pages = all_pages(api)

    ids = [d["id"] for page in pages for d in page]
    assert len(ids) == len(set(ids))
    assert set(ids) == {d["id"] for d in everything["deals"]} and everything["next"] is None
    assert len(ids) > 37 and all(len(page) <= 7 for page in pages)
    assert all(not d["stage"]["is_closed"] for page in pages for d in page)


def test_pages_come_in_close_date_order_and_are_stable(api, big_book):
    pages = all_pages(api)
    firsts = [min(d["close_date"] or "9999-12-31" for d in page) for page in pages]
    lasts = [max(d["close_date"] or "9999-12-31" for d in page) for page in pages]

    assert all(last <= first for last, first in zip(lasts, firsts[1:], strict=False))
    assert [[d["id"] for d in p] for p in all_pages(api)] == [[d["id"] for d in p] for p in pages]


def test_each_page_shows_warned_deals_first(api, big_book):
    for page in all_pages(api, limit=10):
        warned = [bool(d["health"]["warnings"]) for d in page]
        assert warned == sorted(warned, reverse=True)


def test_stage_filter_is_applied_before_paging(api, big_book):
    pages = all_pages(api, "&stage=problem_identified", limit=4)
    stages = {d["stage"]["id"] for page in pages for d in page}
    everything = api.get("/api/v1/pipeline?limit=200").get_json()["deals"]

    assert stages == {"problem_identified"}
    assert sum(len(p) for p in pages) == sum(d["stage"]["id"] == "problem_identified" for d in everything)


def test_warning_filter_keeps_only_deals_with_that_warning(api, big_book):
    pages = all_pages(api, "&warning=going_dark", limit=5)
    found = [d for page in pages for d in page]
    everything = api.get("/api/v1/pipeline?limit=200").get_json()["deals"]
    expected = {
        d["id"] for d in everything if any(w["code"] == "going_dark" for w in d["health"]["warnings"])
    }

    assert expected and {d["id"] for d in found} == expected and len(found) == len(expected)


def test_the_first_page_without_parameters_holds_fifty(api, app):
    load_dataset(app.extensions["addin_api"].engine, book(80))
    body = api.get("/api/v1/pipeline").get_json()

    assert len(body["deals"]) == 50 and body["next"]


@pytest.mark.parametrize(
    "query", ["limit=0", "limit=201", "cursor=not-a-cursor", "cursor=WyJ4IiwgMV0", "warning=sad"]
)
def test_bad_paging_parameters_are_refused(api, query):
    r = api.get(f"/api/v1/pipeline?{query}")
    assert r.status_code == 422


def test_pages_follow_close_date_then_id_across_owned_team_and_undated_deals(api, app):
    """Owned deals (dated, undated, one dated 9999-12-31), team-only ones, some both, closed ones
    interleaved: read a few at a time, the pages are exactly the open deals in (close date, id) order."""
    deals = book(40)["deals"]
    for i, deal in enumerate(deals):
        if i % 6 == 1:
            deal["team"] = [REP]  # owned and on the team: still shown once
        if i % 9 == 4:
            deal["stage"] = "Closed won"
    deals[3]["close_date"] = "9999-12-31"  # sorts with the undated deals, by id
    load_dataset(app.extensions["addin_api"].engine, {**book(0), "deals": deals})

    everything = api.get("/api/v1/pipeline?limit=200").get_json()["deals"]
    pages = [{d["id"] for d in page} for page in all_pages(api, limit=3)]  # each page: warned first

    def position(d):
        return d["close_date"] or "9999-12-31", int(d["id"])

    ordered = [d["id"] for d in sorted(everything, key=position)]
    assert len(everything) > 40 and not any(d["stage"]["is_closed"] for d in everything)
    assert pages == [set(ordered[i : i + 3]) for i in range(0, len(ordered), 3)]
