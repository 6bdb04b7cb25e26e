"""One JSON error shape for every failure: 400, 401, 403, 404, 413, 422."""

from __future__ import annotations


def test_missing_token_is_401_with_challenge(app, deal_ids):
    r = app.test_client().get(f"/api/v1/deals/{deal_ids['nw-fleet']}")
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    assert r.get_json()["code"] == 401


def test_every_api_route_needs_a_token(app):
    client = app.test_client()
    for method, url in [
        ("get", "/api/v1/context?email=a@b.example"),
        ("get", "/api/v1/pipeline"),
        ("patch", "/api/v1/deals/1"),
        ("post", "/api/v1/deals/1/emails"),
        ("get", "/api/v1/changes/x"),
    ]:
        assert getattr(client, method)(url, json={}).status_code == 401, url


def test_token_without_scope_is_403(app, idp):
    token = idp.mint(email="rep@demo.example", scp="User.Read")
    r = app.test_client().get("/api/v1/pipeline", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 403
    assert "insufficient_scope" in r.headers.get("WWW-Authenticate", "")


def test_malformed_json_is_400(api, deal_ids):
    r = api.patch(f"/api/v1/deals/{deal_ids['nw-fleet']}", data="{not json", content_type="application/json")
    assert r.status_code == 400
    assert r.get_json()["message"] == "The request body is not valid JSON."


def test_oversized_body_is_413(api, deal_ids):
    r = api.post(f"/api/v1/deals/{deal_ids['nw-fleet']}/emails", json={"body": "x" * 300_000})
    assert r.status_code == 413
    assert r.get_json()["code"] == 413


def test_validation_errors_are_422_per_field(api, deal_ids):
    r = api.patch(f"/api/v1/deals/{deal_ids['nw-fleet']}", json={"next_step": "x" * 256})
    assert r.status_code == 422
    errors = r.get_json()["errors"]["json"]
    assert set(errors) == {"version", "next_step"}
