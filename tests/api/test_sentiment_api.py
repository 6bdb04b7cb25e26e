"""POST /api/v1/sentiment and GET /api/v1/lexicon: per-org answers, validation, nothing stored."""

from __future__ import annotations

import pytest

from addin_api.api.signals import get_lexicon
from addin_api.signals import service
from tests.conftest import ApiClient
from tests.standins.idp import OTHER_TENANT, TENANT

TEXT = "We need to table the initiative until the merger settles."


@pytest.fixture
def app(make_app):
    """An app two customers (Entra tenants) use."""
    return make_app(ms_allowed_tenants=(TENANT, OTHER_TENANT))


@pytest.fixture
def other_org(app, idp):
    """A rep of the other customer."""
    return ApiClient(app.test_client(), idp.mint(email="rep@globex.example", tid=OTHER_TENANT))


def _learn(app, org, rating="negative"):
    with app.app_context():
        service.learn(get_lexicon(), org, "u1", "<m1@x>", TEXT, rating)


def test_sentiment_answers_score_label_and_terms(api):
    r = api.post(
        "/api/v1/sentiment", json={"text": "Love it, but the budget was reallocated.", "subject": "Re: plan"}
    )
    assert r.status_code == 200
    body = r.get_json()
    assert set(body) == {"score", "label", "terms"}
    assert -1 <= body["score"] < 0 and body["label"] == "negative"
    assert body["terms"][0] == {"term": "budget was reallocated", "weight": pytest.approx(-4.5)}


def test_sentiment_ignores_the_quoted_reply(api):
    text = "PO attached.\n\n-----Original Message-----\nFrom: rep\nWe cancel, this is awful."
    assert api.post("/api/v1/sentiment", json={"text": text}).get_json()["label"] == "positive"


def test_sentiment_refuses_missing_or_oversized_text(api):
    for payload in ({}, {"text": "x" * 20_001}):
        r = api.post("/api/v1/sentiment", json=payload)
        assert r.status_code == 422
        assert set(r.get_json()) >= {"code", "status", "message", "errors"}
        assert "text" in r.get_json()["errors"]["json"]


def test_sentiment_needs_a_signed_in_rep(app):
    assert app.test_client().post("/api/v1/sentiment", json={"text": "hi"}).status_code == 401


def test_sentiment_uses_only_the_callers_org_learning(app, api, other_org):
    _learn(app, TENANT)
    ours = api.post("/api/v1/sentiment", json={"text": TEXT}).get_json()
    theirs = other_org.post("/api/v1/sentiment", json={"text": TEXT}).get_json()
    assert ours["label"] == "negative" and ours["terms"]
    assert theirs == {"score": 0.0, "label": "neutral", "terms": []}


def test_the_next_score_reflects_a_new_rating(app, api):
    _learn(app, TENANT, "negative")
    assert api.post("/api/v1/sentiment", json={"text": TEXT}).get_json()["label"] == "negative"
    _learn(app, TENANT, "positive")
    assert api.post("/api/v1/sentiment", json={"text": TEXT}).get_json()["label"] == "positive"


def test_scoring_stores_nothing(app, api):
    api.post("/api/v1/sentiment", json={"text": TEXT})
    with app.app_context():
        assert get_lexicon().counts(TENANT).terms == {}


def test_lexicon_lists_the_orgs_most_learned_terms(app, api, other_org):
    _learn(app, TENANT)
    r = api.get("/api/v1/lexicon?limit=3")
    assert r.status_code == 200
    terms = r.get_json()["terms"]
    assert len(terms) == 3 and all(set(t) == {"term", "pos", "neg"} and t["neg"] == 1 for t in terms)
    assert other_org.get("/api/v1/lexicon").get_json() == {"terms": []}
    assert api.get("/api/v1/lexicon?limit=0").status_code == 422


def test_openapi_documents_the_signal_routes(api):
    paths = api.get("/api/v1/openapi.json").get_json()["paths"]
    assert "post" in paths["/api/v1/sentiment"] and "get" in paths["/api/v1/lexicon"]
