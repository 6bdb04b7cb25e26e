"""Capture from Google Workspace via the Gmail/Calendar/token stand-in into the embedded CRM."""

from __future__ import annotations

from datetime import timedelta

import pytest

from addin_api.capture.google import READONLY, SCOPES, GoogleSource
from addin_api.capture.http import Fetcher, capture_session
from addin_api.capture.service import CaptureDeps, run_pass
from addin_api.config import load_settings
from addin_api.domain import CapturedActivity
from tests.capture.conftest import NOW, REP, REP2, ago
from tests.keys import SECRET_KEY
from tests.standins.google_mailboxes import GoogleMailboxStandIn
from tests.standins.idp import TENANT


@pytest.fixture
def google(capture_env, tmp_path):
    """The Google stand-in and a pass runner over the capture set-up's CRM and store."""
    with GoogleMailboxStandIn() as standin:
        settings = load_settings(
            {},
            {
                "secret_key": SECRET_KEY,
                "ms_allowed_tenants": (TENANT,),
                **standin.settings_overrides(standin.key_file(tmp_path / "sa.json")),
                "capture_page_size": 2,
            },
        )
        waits: list[float] = []
        http = capture_session(5.0)
        source = GoogleSource(settings, http, Fetcher(http, 120.0, sleep=waits.append))
        standin.waits = waits
        standin.run = lambda: run_pass(
            CaptureDeps(source, capture_env.store, capture_env.crm, clock=lambda: NOW)
        )
        standin.counts = capture_env.counts
        yield standin


def seed(g) -> str:
    """Mail and meetings of two reps; the id of the upcoming meeting in rep's calendar."""
    g.add_message(REP, "<in1@acme.example>", "Ada <ada@acme.example>", [REP], ago(6))
    g.add_message(REP, "<in2@acme.example>", "ada@acme.example", [REP, REP2], ago(2))
    g.add_message(REP2, "<in2@acme.example>", "ada@acme.example", [REP, REP2], ago(2))
    g.add_message(REP, "<out1@demo.example>", REP, ["ada@acme.example"], ago(4))
    g.add_message(REP, "<x@stranger.example>", "who@stranger.example", [REP], ago(1))
    g.add_message(REP, "<memo@demo.example>", REP2, [REP], ago(1))
    g.add_message(REP2, "<g1@globex.example>", "gina@globex.example", [REP2], ago(8))
    g.add_event(REP, "uid-held", REP, ["ada@acme.example"], ago(3))
    return g.add_event(REP, "uid-next", REP, ["ada@acme.example"], NOW + timedelta(days=5))


FIRST = {
    "acme": CapturedActivity(2, 1, ago(2), ago(4), 1, NOW + timedelta(days=5)),
    "globex": CapturedActivity(1, 0, ago(8), None, 0, None),
}


def test_first_pass_counts_match_with_metadata_scopes_only(google):
    seed(google)
    google.run()
    assert {k: google.counts(k) for k in FIRST} == FIRST
    assert {r["sub"] for r in google.token_requests} == {REP, REP2}
    assert all(r["scopes"] == set(SCOPES) for r in google.token_requests)
    assert all(c["args"]["format"] == ["metadata"] for c in google.calls("messages.get"))


def test_nothing_new_costs_one_request_per_mailbox_per_folder(google):
    seed(google)
    google.run()
    before = len(google.requests)
    result = google.run()
    assert result.items_added == 0 and result.deals_written == 0
    assert sorted(r["api"] for r in google.requests[before:]) == ["events.list"] * 2 + ["history.list"] * 2


def test_second_pass_counts_new_mail_and_drops_the_cancelled_meeting(google):
    upcoming = seed(google)
    google.run()
    google.add_message(REP, "<in3@acme.example>", "ada@acme.example", [REP], ago(0.5))
    google.add_message(REP, "<out2@demo.example>", REP, ["ada@acme.example"], ago(0.25))
    google.add_message(REP2, "<g2@globex.example>", "gina@globex.example", [REP2], ago(1))
    google.cancel_event(REP, upcoming)
    result = google.run()
    assert result.items_added == 3
    assert google.counts("acme") == CapturedActivity(3, 2, ago(0.5), ago(0.25), 1, None)
    assert google.counts("globex") == CapturedActivity(2, 0, ago(1), None, 0, None)


def test_expired_history_and_sync_token_each_trigger_one_full_resync(google):
    seed(google)
    google.run()
    google.expire_history(REP)
    google.add_message(REP, "<in4@acme.example>", "ada@acme.example", [REP], ago(0.5))
    before = len(google.requests)
    result = google.run()
    assert result.resyncs == 2
    assert len([r for r in google.requests[before:] if r["api"] == "getProfile"]) == 1
    assert google.counts("acme").inbound_count == 3


def test_throttled_requests_wait_as_told(google):
    seed(google)
    google.log.throttle(retry_after=4, times=3)
    google.run()
    assert google.waits == [4.0, 4.0, 4.0]
    assert {k: google.counts(k) for k in FIRST} == FIRST


def test_with_log_emails_the_readonly_scope_and_full_format_give_each_email_its_text(
    google, capture_env, tmp_path
):
    """The better level: gmail.readonly, format=full; the plain part preferred, HTML-only mail made text."""
    google.add_message(REP, "<in1@acme.example>", "ada@acme.example", [REP], ago(6), body="Ready to sign.")
    html = "<html><style>p{}</style><p>Budget&nbsp;approved</p><p>Next <b>week</b></p></html>"
    google.add_message(REP, "<in2@acme.example>", "ada@acme.example", [REP], ago(2), html=html)
    settings = load_settings(
        {},
        {
            "secret_key": SECRET_KEY,
            "ms_allowed_tenants": (TENANT,),
            **google.settings_overrides(google.key_file(tmp_path / "sa2.json")),
            "capture_log_emails": True,
        },
    )
    source = GoogleSource(settings, capture_session(5.0))
    logged = []
    deps = CaptureDeps(
        source,
        capture_env.store,
        capture_env.crm,
        clock=lambda: NOW,
        log_email=lambda rep, deal_id, email: logged.append((rep.email, deal_id, email)),
    )
    run_pass(deps)
    asked = {frozenset(r["scopes"]) for r in google.token_requests}
    assert asked == {frozenset({READONLY, "https://www.googleapis.com/auth/calendar.events.readonly"})}
    assert all(c["args"]["format"] == ["full"] for c in google.calls("messages.get"))
    texts = {e.message_id: e.body for _, _, e in logged}
    assert texts == {
        "<in1@acme.example>": "Ready to sign.",
        "<in2@acme.example>": "Budget approved\n\nNext week",
    }
    assert {(rep, deal) for rep, deal, _ in logged} == {(REP, capture_env.deals["acme"])}
