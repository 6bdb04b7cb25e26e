"""Headers on every answer (CSP, nosniff, no-store); hostile JSON is a 400 before and after sign-in."""

from __future__ import annotations

import base64
import hashlib
import logging

import pytest

from tests.standins.google import BASE_URL

DEEP = "[" * 100_000 + "]" * 100_000
HUGE = '{"version": "v", "next_step": ' + "9" * 5_000 + "}"
HOSTILE = {"nested 100,000 deep": DEEP, "5,000-digit number": HUGE, "NaN": '{"version": NaN}'}
OFFICE_HOSTS = ("https://outlook.office.com", "https://outlook.office365.com", "https://outlook.live.com")


def _directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.partition(" ")[2] for part in policy.split("; ")}


def test_the_taskpane_may_be_framed_by_outlook_and_loads_only_its_own_and_office_scripts(app):
    with app.test_client().get("/taskpane.html") as response:
        csp = _directives(response)

    assert all(host in csp["frame-ancestors"] for host in OFFICE_HOSTS)
    assert "*" not in csp["frame-ancestors"].replace("https://*.", "")  # no bare wildcard
    assert csp["script-src"].split() == ["'self'", "https://appsforoffice.microsoft.com"]
    assert csp["default-src"] == "'self'" and csp["object-src"] == "'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_pages_outside_the_taskpane_can_not_be_framed_at_all(app, api, deal_ids):
    deep_link = api.get(f"/api/v1/deals/{deal_ids['nw-fleet']}").get_json()["url"].split("8000", 1)[-1]
    client = app.test_client()
    for url in ["/privacy", "/healthz", "/api/v1/openapi.json", deep_link, "/static/taskpane.css"]:
        with client.get(url) as response:
            assert _directives(response)["frame-ancestors"] == "'none'", url
            assert response.headers["X-Content-Type-Options"] == "nosniff", url


def test_api_and_gmail_answers_are_never_cached(app, api, addon_free_gmail_post):
    assert api.get("/api/v1/pipeline").headers["Cache-Control"] == "no-store"
    assert app.test_client().get("/api/v1/pipeline").headers["Cache-Control"] == "no-store"  # errors too
    assert addon_free_gmail_post("{}").headers["Cache-Control"] == "no-store"


@pytest.fixture
def addon_free_gmail_post(app):
    """POST a raw body to /gmail/homepage without any Google token (an anonymous caller)."""
    client = app.test_client()
    return lambda body: client.post(
        "/gmail/homepage", data=body, headers={"Content-Type": "application/json"}, base_url=BASE_URL
    )


@pytest.mark.parametrize("body", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_json_is_400_on_the_api_before_and_after_sign_in(app, api, deal_ids, body, caplog):
    url = f"/api/v1/deals/{deal_ids['nw-fleet']}"
    headers = {"Content-Type": "application/json"}
    with caplog.at_level(logging.DEBUG):
        answers = [
            app.test_client().patch(url, data=body, headers=headers),
            api.patch(url, data=body, headers=headers),
            api.post(f"{url}/emails", data=body, headers=headers),
        ]
    for response in answers:
        assert response.status_code == 400
        assert response.get_json() == {
            "code": 400,
            "status": "Bad Request",
            "message": "The request body is not valid JSON.",
        }
    _at_most_one_short_line_each(caplog, len(answers))


@pytest.mark.parametrize("body", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_json_is_400_on_gmail_before_verification(addon_free_gmail_post, body, caplog):
    with caplog.at_level(logging.DEBUG):
        response = addon_free_gmail_post(body)

    assert response.status_code == 400 and response.get_json()["code"] == 400
    _at_most_one_short_line_each(caplog, 1)


def _at_most_one_short_line_each(caplog, requests: int) -> None:
    ours = [r for r in caplog.records if r.name.startswith("addin_api")]
    assert len(ours) <= requests
    assert all(r.exc_info is None and len(r.getMessage()) < 200 for r in ours)


def test_the_connect_dialog_is_frameable_by_outlook_and_runs_only_its_own_inline_script(app):
    response = app.test_client().get("/crm/connect/start?ticket=forged")
    csp = _directives(response)
    page = response.get_data(as_text=True)
    inline = page.split("<script>", 1)[1].split("</script>", 1)[0]

    assert response.status_code == 400 and "not valid" in page
    assert all(host in csp["frame-ancestors"] for host in OFFICE_HOSTS)
    assert "'unsafe-inline'" not in csp["script-src"]
    assert (
        f"'sha256-{base64.b64encode(hashlib.sha256(inline.encode()).digest()).decode()}'" in csp["script-src"]
    )
