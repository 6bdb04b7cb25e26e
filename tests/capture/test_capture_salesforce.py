"""Captured counts reach Salesforce Opportunity fields in one batched update, changed deals only."""

from __future__ import annotations

import json

import pytest
import requests

from addin_api.capture.service import CaptureDeps, run_pass
from addin_api.config import SettingsError, load_settings
from addin_api.crm.salesforce.adapter import SalesforceCrm
from addin_api.crm.salesforce.mapping import id18
from addin_api.store.capture import CaptureStore
from addin_api.store.db import make_engine, make_session_factory
from tests.capture.conftest import NOW, REP, ago
from tests.contract.conftest import DATASET
from tests.keys import BASE_SETTINGS
from tests.standins.salesforce import SalesforceStandin, signing_key

FIELDS = {
    "inbound": "Inbound_Emails__c",
    "outbound": "Outbound_Emails__c",
    "last_inbound": "Last_Inbound__c",
    "meetings_held": "Meetings_Held__c",
    "next_meeting": "Next_Meeting__c",
}


@pytest.fixture
def sf():
    with SalesforceStandin(public_key_pem=signing_key().public_pem) as standin:
        standin.org.schema["Opportunity"] |= set(FIELDS.values())
        yield standin


def _crm(sf, tmp_path, fields: str, engine=None) -> SalesforceCrm:
    key_path = tmp_path / "key.pem"
    key_path.write_text(signing_key().private_pem)
    settings = load_settings(
        {}, {**BASE_SETTINGS, **sf.settings_overrides(str(key_path)), "capture_salesforce_fields": fields}
    )
    engine = engine or make_engine("sqlite://")  # the app's store: tokens and the shared CRM cache
    return SalesforceCrm.from_settings(settings, engine=engine, http=requests.Session())


def test_only_changed_deals_are_sent_in_one_batched_update(sf, tmp_path, database_url, capture_env):
    ids = sf.load_dataset(DATASET)
    engine = make_engine(database_url)
    crm = _crm(sf, tmp_path, json.dumps(FIELDS), engine)
    store = CaptureStore(make_session_factory(engine))
    graph = capture_env.graph
    deps = CaptureDeps(capture_env.source, store, crm, mailboxes=(REP,), clock=lambda: NOW)
    graph.add_message(REP, "inbox", "<a1@acme.example>", "ada@acme.example", [REP], ago(3))
    graph.add_message(REP, "inbox", "<g1@globex.example>", "gina@globex.example", [REP], ago(2))
    run_pass(deps)
    updates = sf.api.collection_updates
    assert len(updates) == 1
    sent = {r["id"]: r for r in updates[0]}
    platform, pilot = id18(ids["acme-platform"]), id18(ids["globex-pilot"])
    assert set(sent) == {platform, pilot}
    assert sent[pilot]["Inbound_Emails__c"] == 2 and sent[platform]["Inbound_Emails__c"] == 1
    assert set(sent[pilot]) == {"attributes", "id", *FIELDS.values()}  # mapped fields only
    assert sf.org.get(pilot)["Inbound_Emails__c"] == 2

    graph.add_message(REP, "inbox", "<g2@globex.example>", "gina@globex.example", [REP], ago(1))
    run_pass(deps)
    assert len(updates) == 2 and [r["id"] for r in updates[1]] == [pilot]
    assert updates[1][0]["Inbound_Emails__c"] == 3

    run_pass(deps)  # nothing changed: nothing sent
    assert len(updates) == 2
    engine.dispose()


def test_a_malformed_field_setting_names_the_variable(sf, tmp_path):
    with pytest.raises(SettingsError, match="ADDIN_CAPTURE_SALESFORCE_FIELDS"):
        _crm(sf, tmp_path, '{"inbound": "not a field name"}')
