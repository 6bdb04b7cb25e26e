"""Opt-in read-only smoke test against a real Salesforce org (e.g. a Developer Edition), via JWT bearer.

Set ADDIN_SALESFORCE_LIVE_USERNAME, ADDIN_SALESFORCE_LIVE_CLIENT_ID and ADDIN_SALESFORCE_LIVE_PRIVATE_KEY_PATH
(optionally ADDIN_SALESFORCE_LIVE_LOGIN_URL, ADDIN_SALESFORCE_LIVE_CONTACT_EMAIL and
ADDIN_SALESFORCE_LIVE_EMAIL_MODE). It never writes to the org. The custom fields from docs/admin-salesforce.md
must exist, since every read selects them.
"""

from __future__ import annotations

import os

import pytest
import requests

from addin_api.config import load_settings
from addin_api.crm.salesforce.adapter import SalesforceCrm
from addin_api.domain import Principal
from addin_api.store.db import make_engine
from tests.schema import migrated_sqlite

REQUIRED = (
    "ADDIN_SALESFORCE_LIVE_USERNAME",
    "ADDIN_SALESFORCE_LIVE_CLIENT_ID",
    "ADDIN_SALESFORCE_LIVE_PRIVATE_KEY_PATH",
)
MISSING = [name for name in REQUIRED if not os.environ.get(name)]

# Justified skip: a live org and its credentials exist only on a developer's machine, never in CI.
pytestmark = pytest.mark.skipif(bool(MISSING), reason=f"live Salesforce smoke test: set {', '.join(MISSING)}")


@pytest.fixture
def live(tmp_path):
    """The adapter on the real org, with a response counter on its HTTP session."""
    env = os.environ
    settings = load_settings(
        {},
        {
            "secret_key": "live-smoke-test",
            "crm": "salesforce",
            "salesforce_login_url": env.get(
                "ADDIN_SALESFORCE_LIVE_LOGIN_URL", "https://login.salesforce.com"
            ),
            "salesforce_client_id": env["ADDIN_SALESFORCE_LIVE_CLIENT_ID"],
            "salesforce_private_key_path": env["ADDIN_SALESFORCE_LIVE_PRIVATE_KEY_PATH"],
            "salesforce_email_mode": env.get("ADDIN_SALESFORCE_LIVE_EMAIL_MODE", "email_message"),
        },
    )
    engine, http = make_engine(migrated_sqlite(tmp_path / "store.db")), requests.Session()
    http.responses = 0
    http.hooks["response"].append(lambda response, *a, **kw: setattr(http, "responses", http.responses + 1))
    yield SalesforceCrm.from_settings(settings, engine=engine, http=http), http
    http.close()
    engine.dispose()


def test_live_org_reads_as_the_rep_in_one_round_trip(live):
    crm, http = live
    username = os.environ["ADDIN_SALESFORCE_LIVE_USERNAME"]
    rep = Principal(username, "live-smoke", "live")  # the documented rule: the mailbox is the username
    deals = crm.open_deals_of(rep)
    if deals:
        deal = crm.get_deal(rep, deals[0].id)
        assert deal.stage_by_id(deal.stage.id) is not None or not deal.stages
        assert deal.url.endswith(f"/lightning/r/Opportunity/{deal.id}/view")
    emails = [os.environ.get("ADDIN_SALESFORCE_LIVE_CONTACT_EMAIL", username)]
    crm.find_context(rep, emails)
    before = http.responses
    crm.find_context(rep, emails)
    assert http.responses - before == 1, "a warm sidebar open must be one /composite request"
    assert crm.client.api_usage is not None
