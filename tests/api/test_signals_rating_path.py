"""Issue 9 through the real API: ratings teach the org at once, emails show their reading, warnings."""

from __future__ import annotations

from datetime import timedelta

import pytest

from addin_api.domain import utcnow
from addin_api.services.drain import drain_once
from tests.api.test_salesforce_api import client as sf_client
from tests.api.test_salesforce_api import sf_app  # noqa: F401  (a fixture)
from tests.conftest import REP, ApiClient
from tests.standins.idp import OTHER_TENANT, TENANT

TEXT = "We need to table the initiative until the merger settles."
NADIA = "nadia@northwind.example"
OMAR = "omar@contoso.example"


@pytest.fixture
def app(make_app):
    """An app two customers (Entra tenants) use, on the demo data."""
    return make_app(ms_allowed_tenants=(TENANT, OTHER_TENANT))


@pytest.fixture
def other_org(app, idp):
    """A rep of the other customer."""
    return ApiClient(app.test_client(), idp.mint(email="rep@globex.example", tid=OTHER_TENANT))


def _log(api, deal_id, rating=None, mid="<t1@mail.northwind.example>", body=TEXT, sender=NADIA, hours=1):
    payload = {
        "message_id": mid,
        "subject": "Re: rollout",
        "from": sender,
        "to": [REP],
        "sent_at": (utcnow() - timedelta(hours=hours)).isoformat(),
        "body": body,
        "rating": rating,
    }
    r = api.post(f"/api/v1/deals/{deal_id}/emails", json=payload)
    assert r.status_code in (200, 202), r.get_json()
    return r


def _score(api, text=TEXT):
    return api.post("/api/v1/sentiment", json={"text": text}).get_json()


def _counts(app):
    with app.app_context():
        return app.extensions["addin_api"].lexicon.counts(TENANT)


def test_a_rating_moves_the_very_next_score_and_another_org_is_untouched(app, api, other_org, deal_ids):
    cold = _score(api)
    assert cold["label"] == "neutral"
    _log(api, deal_ids["nw-fleet"], "negative")
    assert _score(api)["label"] == "negative" and _score(api)["terms"]
    assert _score(other_org) == cold


def test_a_rating_teaches_even_while_the_crm_is_down(app, api, crm, deal_ids):
    crm.down = True
    assert _log(api, deal_ids["nw-fleet"], "negative").status_code == 202
    assert _score(api)["label"] == "negative"


def test_repeating_a_rating_changes_nothing_and_flipping_it_replaces_it(app, api, deal_ids):
    _log(api, deal_ids["nw-fleet"], "negative")
    once = _counts(app)
    _log(api, deal_ids["nw-fleet"], "negative")
    assert _counts(app) == once
    _log(api, deal_ids["nw-fleet"], "positive")
    flipped = _counts(app)
    assert (flipped.pos_votes, flipped.neg_votes) == (1, 0)
    assert all(neg == 0 for _, neg in flipped.terms.values())
    assert _score(api)["label"] == "positive"


def test_clearing_a_rating_removes_what_it_taught(app, api, deal_ids):
    cold = _score(api)
    _log(api, deal_ids["nw-fleet"], "negative")
    _log(api, deal_ids["nw-fleet"], None)
    counts = _counts(app)
    assert (counts.pos_votes, counts.neg_votes, counts.terms) == (0, 0, {})
    assert _score(api) == cold


def test_logging_without_a_rating_teaches_nothing(app, api, deal_ids):
    _log(api, deal_ids["nw-fleet"], None)
    assert _counts(app).version == ""


def test_a_logged_email_carries_its_reading_in_the_deal_view_and_context(api, deal_ids):
    body = "Love the product, but the budget was reallocated and the project is on hold."
    _log(api, deal_ids["nw-fleet"], None, mid="<hold@mail.northwind.example>", body=body)
    deal = api.get(f"/api/v1/deals/{deal_ids['nw-fleet']}").get_json()
    (act,) = [a for a in deal["activities"] if a["message_id"] == "<hold@mail.northwind.example>"]
    assert act["sentiment"]["label"] == "negative"
    assert "budget was reallocated" in [t["term"] for t in act["sentiment"]["terms"]]
    contacts = api.get(f"/api/v1/context?email={NADIA}").get_json()["contacts"]
    fleet = next(d for d in contacts[0]["deals"] if d["id"] == deal_ids["nw-fleet"])
    assert (
        next(a for a in fleet["activities"] if a["message_id"] == act["message_id"])["sentiment"]
        == (act["sentiment"])
    )


def test_the_demo_fleet_deal_shows_a_negative_warning_and_a_trend(api, deal_ids):
    health = api.get(f"/api/v1/deals/{deal_ids['nw-fleet']}").get_json()["health"]
    (warning,) = [w for w in health["warnings"] if w["code"] == "negative_sentiment"]
    assert "budget was reallocated" in warning["terms"] and "budget was reallocated" in warning["message"]
    assert [p["label"] for p in health["sentiment_trend"]] == ["positive", "negative", "positive"]


def test_a_negative_warning_appears_puts_the_deal_first_and_clears_when_the_buyer_warms_up(api, deal_ids):
    clinics = deal_ids["contoso-clinics"]
    warnings = api.get(f"/api/v1/deals/{clinics}").get_json()["health"]["warnings"]
    assert warnings == []
    for i, body in enumerate(
        ("We are disappointed; the board has put this on hold.", "Honestly this is not a priority now.")
    ):
        _log(api, clinics, None, mid=f"<cold{i}@contoso.example>", body=body, sender=OMAR, hours=2 - i)
    health = api.get(f"/api/v1/deals/{clinics}").get_json()["health"]
    assert [w["code"] for w in health["warnings"]] == ["negative_sentiment"]
    warning = health["warnings"][0]
    assert "on hold" in warning["terms"] and "reads strongly negative: on hold" in warning["message"]
    pipeline = api.get("/api/v1/pipeline").get_json()["deals"]
    warned = [bool(d["health"]["warnings"]) for d in pipeline]
    assert warned == sorted(warned, reverse=True) and clinics in [
        d["id"] for d in pipeline if d["health"]["warnings"]
    ]

    for i in range(3):
        _log(
            api,
            clinics,
            None,
            mid=f"<warm{i}@contoso.example>",
            body="Great news, PO attached!",
            sender=OMAR,
            hours=0,
        )
    assert api.get(f"/api/v1/deals/{clinics}").get_json()["health"]["warnings"] == []


def test_on_salesforce_a_rating_teaches_and_the_logged_email_carries_its_reading(sf_app, idp, sf):  # noqa: F811
    api = sf_client(sf_app, idp)
    deal_id = sf_app.deal_ids["nw-fleet"]
    body = "Love the product, but the budget was reallocated and the project is on hold."
    _log(api, deal_id, "negative", mid="<sf1@mail.northwind.example>", body=body)
    drain_once(sf_app.extensions["addin_api"].write_deps())
    assert api.post("/api/v1/sentiment", json={"text": body}).get_json()["label"] == "negative"
    deal = api.get(f"/api/v1/deals/{deal_id}").get_json()
    read = [a["sentiment"] for a in deal["activities"] if a["message_id"] == "<sf1@mail.northwind.example>"]
    assert read and read[0]["label"] == "negative"


def test_on_salesforce_a_rating_the_crm_refuses_teaches_nothing(sf_app, idp, sf):  # noqa: F811
    api, deal_id = sf_client(sf_app, idp), sf_app.deal_ids["nw-fleet"]
    before = _counts(sf_app)
    sf.fail("sobjects/EmailMessage", 400, "FIELD_CUSTOM_VALIDATION_EXCEPTION", "Not on this deal.", times=5)
    payload = {"message_id": "<refused@mail.northwind.example>", "subject": "Re: rollout", "from": NADIA}
    payload |= {"to": [REP], "sent_at": utcnow().isoformat(), "body": TEXT, "rating": "negative"}
    r = api.post(f"/api/v1/deals/{deal_id}/emails", json=payload)
    assert r.status_code == 422 and r.get_json()["message"] == "Not on this deal."
    assert _counts(sf_app) == before
    assert _score(api)["label"] == "neutral"
