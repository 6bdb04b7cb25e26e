"""The addin-api command: demo data loads once, the drain delivers queued changes, bad settings stop it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from addin_api import create_app
from addin_api.cli import main
from addin_api.config import SettingsError
from addin_api.domain import Principal


@pytest.fixture
def env(cli_env):
    return cli_env


def test_demo_data_loads_once_and_can_be_reset(env, capsys):
    assert main(["demo-data"]) == 0
    assert "loaded 12 demo deals" in capsys.readouterr().out
    assert main(["demo-data"]) == 0
    assert "already loaded" in capsys.readouterr().out
    assert main(["demo-data", "--reset"]) == 0
    assert "loaded 12 demo deals" in capsys.readouterr().out
    rep = Principal("rep@demo.example", "o", "t")
    state = create_app().extensions["addin_api"]
    assert len(state.crm.open_deals_of(rep)) == 8  # not doubled by the reset
    state.engine.dispose()


def test_outbox_drain_delivers_what_is_due(env, capsys):
    main(["demo-data"])
    capsys.readouterr()
    state = create_app().extensions["addin_api"]
    rep = Principal("rep@demo.example", "o", "t")
    deal = state.crm.get_deal(rep, "1")
    row, _ = state.outbox.record(
        rep,
        "local",
        "1",
        "update_deal",
        {"version": deal.version, "next_step": "From the queue"},
        None,
        None,
        timedelta(seconds=60),
    )
    state.outbox.release(row)
    assert main(["outbox", "drain"]) == 0
    assert capsys.readouterr().out.strip() == "done: 1"
    assert state.crm.get_deal(rep, "1").next_step == "From the queue"
    assert main(["outbox", "drain"]) == 0
    assert capsys.readouterr().out.strip() == "nothing due"
    state.engine.dispose()


def test_demo_sign_in_is_refused_off_loopback(env, monkeypatch):
    monkeypatch.setenv("ADDIN_DEV_IDP", "1")
    monkeypatch.setenv("ADDIN_BIND_HOST", "0.0.0.0")
    with pytest.raises(SettingsError, match="loopback"):
        create_app()
