"""ADDIN_CRM is checked at start-up: an unknown name, or a switch stranding queued changes, is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest

from addin_api import create_app
from addin_api.config import SettingsError, load_settings
from addin_api.domain import ChangeState, Principal
from addin_api.services.changes import StrandedChanges
from addin_api.store.db import make_engine, make_session_factory
from addin_api.store.outbox import Outbox
from tests.keys import BASE_SETTINGS
from tests.processes import demo_env, run

REP = Principal("rep@demo.example", "oid-rep", "tid-demo")


def _queue(database_url: str, crm: str, state: str = ChangeState.QUEUED) -> None:
    engine = make_engine(database_url)
    try:
        outbox = Outbox(make_session_factory(engine))
        row, _ = outbox.record(
            REP, crm, "006A", "update_deal", {"version": "v", "next_step": "x"}, None, None, timedelta(0)
        )
        if state == ChangeState.NEEDS_CONNECT:
            outbox.park(row, "connect first")
    finally:
        engine.dispose()


def test_an_unknown_crm_names_the_setting_and_the_choices():
    with pytest.raises(SettingsError) as refused:
        load_settings({}, {**BASE_SETTINGS, "crm": "pipedrive"})
    assert str(refused.value) == "ADDIN_CRM must be one of local, salesforce, hubspot (got 'pipedrive')"


def test_switching_crm_with_queued_changes_is_refused_with_what_to_do(database_url, tmp_path):
    _queue(database_url, "salesforce")
    _queue(database_url, "salesforce", ChangeState.NEEDS_CONNECT)
    with pytest.raises(StrandedChanges) as refused:
        create_app({**BASE_SETTINGS, "database_url": database_url, "instance_path": str(tmp_path)})
    text = str(refused.value)
    assert "ADDIN_CRM is local" in text and "2 for ADDIN_CRM=salesforce" in text
    assert "run `addin-api outbox drain` with ADDIN_CRM=salesforce" in text
    drain = run(["outbox", "drain"], demo_env(database_url, tmp_path))  # ADDIN_CRM=local
    assert drain.returncode == 2
    assert drain.stderr.strip().splitlines() == [f"addin-api: {text}"]


def test_queued_changes_of_the_configured_crm_do_not_block_start_up(database_url, tmp_path):
    _queue(database_url, "local")  # the configured CRM's own queue is the drain's business
    app = create_app({**BASE_SETTINGS, "database_url": database_url, "instance_path": str(tmp_path)})
    assert app.extensions["addin_api"].crm.name == "local"
