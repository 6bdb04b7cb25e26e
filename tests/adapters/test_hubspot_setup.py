"""`addin-api hubspot setup` on the stand-in: the first run creates what the add-in writes; then nothing."""

from __future__ import annotations

import pytest

from addin_api.cli import main
from tests.keys import SECRET_KEY
from tests.standins.hubspot import TOKEN, HubSpotStandin
from tests.standins.idp import TENANT


@pytest.fixture
def hs(monkeypatch):
    with HubSpotStandin() as standin:  # an empty portal: none of our properties exist yet
        for name, value in {
            "CRM": "hubspot",
            "HUBSPOT_API_URL": standin.url,
            "HUBSPOT_ACCESS_TOKEN": TOKEN,
            "HUBSPOT_RATING_PROPERTY": "acme_rating",  # names come from the settings
            "SECRET_KEY": SECRET_KEY,
            "MS_ALLOWED_TENANTS": TENANT,
        }.items():
            monkeypatch.setenv(f"ADDIN_{name}", value)
        yield standin


def test_first_run_creates_every_property_the_add_in_writes_second_run_changes_nothing(hs, capsys):
    assert main(["hubspot", "setup"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "emails.acme_rating: created",
        "emails.addin_message_id: created",
        "deals.addin_changed_by: created",
    ]
    assert {"acme_rating", "addin_message_id"} <= hs.properties["emails"]
    assert "addin_changed_by" in hs.properties["deals"]
    assert hs.property_defs[("emails", "acme_rating")]["groupName"] == "addin"
    hs.calls.clear()

    assert main(["hubspot", "setup"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "emails.acme_rating: already exists, left alone",
        "emails.addin_message_id: already exists, left alone",
        "deals.addin_changed_by: already exists, left alone",
    ]
    assert hs.count("POST") == 0


def test_a_property_the_admin_already_made_is_left_as_it_is(hs, capsys):
    hs.properties["deals"].add("addin_changed_by")
    hs.property_defs[("deals", "addin_changed_by")] = {"label": "Mine", "type": "string"}
    assert main(["hubspot", "setup"]) == 0
    assert "deals.addin_changed_by: already exists, left alone" in capsys.readouterr().out
    assert hs.property_defs[("deals", "addin_changed_by")]["label"] == "Mine"


def test_without_the_account_token_it_says_which_setting_is_missing(hs, monkeypatch, capsys):
    monkeypatch.setenv("ADDIN_HUBSPOT_ACCESS_TOKEN", "")
    assert main(["hubspot", "setup"]) == 2
    assert "ADDIN_HUBSPOT_ACCESS_TOKEN" in capsys.readouterr().err and hs.calls == []
