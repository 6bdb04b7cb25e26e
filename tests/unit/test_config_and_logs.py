"""Settings parsing and validation, and the log filter that keeps secrets out."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from addin_api.config import SettingsError, load_settings, settings_table
from addin_api.logs import RedactingFilter, redact

BASE = {"ADDIN_SECRET_KEY": "k"}


def test_defaults_and_types():
    s = load_settings({**BASE, "ADDIN_GOING_DARK_DAYS": "30", "ADDIN_MS_ALLOWED_TENANTS": "a, b"})
    assert s.crm == "local" and s.going_dark_days == 30 and s.ms_allowed_tenants == ("a", "b")
    assert s.app_id_uri == "api://" and s.sqlalchemy_url.startswith("sqlite:///")


@pytest.mark.parametrize(
    "env, message",
    [
        ({"ADDIN_GOING_DARK_DAYS": "7"}, "between 14 and 42"),
        ({"ADDIN_GOING_DARK_DAYS": "soon"}, "ADDIN_GOING_DARK_DAYS"),
        ({"ADDIN_DEV_IDP": "maybe"}, "ADDIN_DEV_IDP"),
        ({"ADDIN_DEV_IDP": "1", "ADDIN_BIND_HOST": "0.0.0.0"}, "loopback"),
    ],
)
def test_bad_settings_are_refused_with_the_variable_named(env, message):
    with pytest.raises(SettingsError, match=message):
        load_settings({**BASE, **env})


def test_secret_key_required_outside_demo_mode():
    with pytest.raises(SettingsError, match="ADDIN_SECRET_KEY"):
        load_settings({})
    assert load_settings({"ADDIN_DEV_IDP": "1"}).dev_idp


def test_secrets_stay_out_of_repr():
    s = load_settings({**BASE, "ADDIN_SECRET_KEY": "hunter2", "ADDIN_MS_CLIENT_SECRET": "s3cret"})
    assert "hunter2" not in repr(s) and "s3cret" not in repr(s)


def test_readme_documents_every_setting():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    missing = [
        line.split("`")[1] for line in settings_table().splitlines()[2:] if line.split("`")[1] not in readme
    ]
    assert missing == []


def test_tokens_are_redacted_from_log_records(caplog):
    jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
    assert "eyJ" not in redact(f"Authorization: Bearer {jwt}")
    assert "abc" not in redact("grant_type=refresh_token&refresh_token=abc&x=1")
    logger = logging.getLogger("test.redaction")
    handler = logging.Handler()
    handler.addFilter(RedactingFilter())
    records = []
    handler.emit = records.append
    logger.addHandler(handler)
    try:
        logger.warning("calling with %s", f"Bearer {jwt}")
    finally:
        logger.removeHandler(handler)
    assert "eyJ" not in records[0].getMessage()


def test_demo_sign_in_is_refused_when_reached_off_loopback():
    with pytest.raises(SettingsError, match="loopback"):
        load_settings({"ADDIN_DEV_IDP": "1", "ADDIN_PUBLIC_BASE_URL": "https://addin.example.com"})


def test_tracebacks_are_redacted_too():
    from addin_api.logs import RedactingFormatter

    try:
        raise ValueError("refresh failed: refresh_token=abc123secret")
    except ValueError:
        import sys

        text = RedactingFormatter().formatException(sys.exc_info())
    assert "abc123secret" not in text and "[redacted]" in text
