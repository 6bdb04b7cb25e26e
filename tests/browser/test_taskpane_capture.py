"""The deal view in real Chromium says how complete its health is, after a real capture pass."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect

from addin_api.capture.http import Fetcher, capture_session
from addin_api.capture.microsoft import GraphSource
from addin_api.capture.service import CaptureDeps, run_pass
from addin_api.config import load_settings
from addin_api.domain import utcnow
from tests.browser.conftest import REP
from tests.keys import SECRET_KEY
from tests.standins.graph_mailboxes import GraphMailboxStandIn
from tests.standins.idp import TENANT

NADIA, FLEET = "Nadia Patel", "Northwind fleet visibility"


def _capture_pass(served, buyer: str) -> None:
    """One pass over the rep's mailbox: a fresh email from the buyer and a meeting with them on Friday."""
    with GraphMailboxStandIn() as graph:
        graph.add_message(
            REP, "inbox", "<fresh@northwind.example>", buyer, [REP], utcnow() - timedelta(hours=2)
        )
        graph.add_event(REP, "uid-demo", REP, [buyer], utcnow() - timedelta(days=1))
        graph.add_event(REP, "uid-next", REP, [buyer], utcnow() + timedelta(days=3))
        overrides = {"secret_key": SECRET_KEY, "ms_allowed_tenants": (TENANT,), **graph.settings_overrides()}
        http = graph.trust(capture_session(5.0))
        source = GraphSource(load_settings({}, overrides), http, Fetcher(http))
        st = served.state
        run_pass(CaptureDeps(source, st.capture, st.crm, mailboxes=(REP,)))


def test_after_a_capture_pass_the_deal_view_says_its_health_comes_from_the_mailbox(pane, served):
    deal = served.deal("nw-fleet")
    assert deal["health"]["capture"]["description"] == "Only logged emails"
    _capture_pass(served, deal["stakeholders"][0]["email"])
    pane.open_deal(NADIA, FLEET)
    expect(pane.text("Captured from the mailbox, last pass just now")).to_be_visible()
    expect(pane.frame.get_by_text("1 meeting", exact=True)).to_be_visible()
    expect(pane.text(re.compile(r"^Next meeting "))).to_be_visible()
    inbound = pane.frame.locator(".deal-head .badge", has_text="inbound")
    expect(inbound).to_have_attribute(
        "title", "Emails from the buyer's side captured from the mailboxes for this deal"
    )
