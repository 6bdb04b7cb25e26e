"""Deal health over the API uses captured mailbox activity and says how complete it is."""

from __future__ import annotations

from datetime import timedelta

from addin_api.capture.http import Fetcher, capture_session
from addin_api.capture.microsoft import GraphSource
from addin_api.capture.service import CaptureDeps, run_pass
from addin_api.config import load_settings
from addin_api.domain import CaptureStatus, utcnow
from tests.keys import SECRET_KEY
from tests.standins.idp import TENANT

REP = "rep@demo.example"


def _pass(app, graph) -> None:
    st = app.extensions["addin_api"]
    settings = load_settings(
        {}, {"secret_key": SECRET_KEY, "ms_allowed_tenants": (TENANT,), **graph.settings_overrides()}
    )
    http = graph.trust(capture_session(5.0))
    source = GraphSource(settings, http, Fetcher(http))
    run_pass(CaptureDeps(source, st.capture, st.crm, mailboxes=(REP,)))


def _dark_deal(api) -> dict:
    deals = api.get("/api/v1/pipeline").get_json()["deals"]
    return next(d for d in deals if d["health"]["going_dark"] and d["stakeholders"])


def test_before_any_pass_health_says_it_counts_only_logged_emails(api):
    deal = api.get("/api/v1/pipeline").get_json()["deals"][0]
    assert deal["health"]["capture"] == {
        "source": "logged_only",
        "last_pass_at": None,
        "description": "Only logged emails",
    }


def test_a_captured_buyer_email_ends_going_dark_and_health_names_the_mailbox(app, api, graph):
    deal = _dark_deal(api)
    buyer = deal["stakeholders"][0]["email"]
    logged = deal["health"]["inbound_count"]
    graph.add_message(REP, "inbox", "<fresh@buyer.example>", buyer, [REP], utcnow() - timedelta(hours=3))
    graph.add_event(REP, "uid-demo", REP, [buyer], utcnow() + timedelta(days=2))
    _pass(app, graph)
    health = api.get(f"/api/v1/deals/{deal['id']}").get_json()["health"]
    assert health["going_dark"] is False and health["days_since_inbound"] == 0
    assert health["inbound_count"] == max(logged, 1)
    assert health["next_meeting"] is not None and health["meetings_held"] == 0
    assert health["capture"]["source"] == "mailbox" and health["capture"]["last_pass_at"]
    assert health["capture"]["description"] == "Captured from the mailbox, last pass just now"
    # the pipeline and the email's context read the same captured counts
    pipeline = {d["id"]: d for d in api.get("/api/v1/pipeline").get_json()["deals"]}
    assert pipeline[deal["id"]]["health"]["going_dark"] is False


def test_the_description_says_how_long_ago_the_last_pass_was():
    now = utcnow()
    said = {
        m: CaptureStatus(CaptureStatus.MAILBOX, now - timedelta(minutes=m)).describe(now) for m in (0, 3, 150)
    }
    assert said == {
        0: "Captured from the mailbox, last pass just now",
        3: "Captured from the mailbox, last pass 3 min ago",
        150: "Captured from the mailbox, last pass 2 h ago",
    }
    assert CaptureStatus().describe(now) == "Only logged emails"
