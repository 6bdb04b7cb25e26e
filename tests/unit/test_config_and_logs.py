"""Settings parsing and validation, and the log filter that keeps secrets out."""

from __future__ import annotations

import base64
import logging
import secrets
from pathlib import Path

import pytest

from addin_api.config import SettingsError, load_settings, settings_table
from addin_api.logs import RedactingFilter, redact
from tests.keys import SECRET_KEY
from tests.standins.idp import OTHER_TENANT as OTHER
from tests.standins.idp import TENANT

BASE = {"ADDIN_SECRET_KEY": SECRET_KEY, "ADDIN_MS_ALLOWED_TENANTS": TENANT}


def test_defaults_and_types():
    s = load_settings(
        {**BASE, "ADDIN_GOING_DARK_DAYS": "30", "ADDIN_MS_ALLOWED_TENANTS": f"{TENANT}, {OTHER}"}
    )
    assert s.crm == "local" and s.going_dark_days == 30 and s.ms_allowed_tenants == (TENANT, OTHER)
    assert s.app_id_uri == "api://" and s.sqlalchemy_url.startswith("sqlite:///")


@pytest.mark.parametrize("tenants", ["", "*", f"{TENANT},*", "contoso.onmicrosoft.com", "common"])
def test_outside_demo_mode_only_tenant_guids_may_sign_in(tenants):
    with pytest.raises(SettingsError, match="^ADDIN_MS_ALLOWED_TENANTS [^\n]+$"):
        load_settings({**BASE, "ADDIN_MS_ALLOWED_TENANTS": tenants})


def test_a_gmail_only_deployment_needs_no_tenant_list_but_outlook_beside_it_does():
    gmail = {
        "ADDIN_SECRET_KEY": SECRET_KEY,
        "ADDIN_GOOGLE_OAUTH_CLIENT_ID": "123.apps.googleusercontent.com",
        "ADDIN_GOOGLE_ALLOWED_DOMAINS": "acme.example",
    }
    assert load_settings(gmail).ms_allowed_tenants == ()  # no tenant listed: no Entra token passes
    with pytest.raises(SettingsError, match="^ADDIN_MS_ALLOWED_TENANTS is required"):
        load_settings({**gmail, "ADDIN_MS_CLIENT_ID": "00000000-0000-0000-0000-0000000000aa"})


def test_demo_mode_needs_no_tenant_list():
    assert load_settings({"ADDIN_DEV_IDP": "1"}).ms_allowed_tenants == ()


@pytest.mark.parametrize("domains", ["", "*", "acme.example,*", "*.acme.example", "acme"])
def test_the_gmail_add_on_needs_a_list_of_domains(domains):
    env = {**BASE, "ADDIN_GOOGLE_OAUTH_CLIENT_ID": "123.apps.googleusercontent.com"}
    with pytest.raises(SettingsError, match="^ADDIN_GOOGLE_ALLOWED_DOMAINS [^\n]+$"):
        load_settings({**env, "ADDIN_GOOGLE_ALLOWED_DOMAINS": domains})
    ok = load_settings({**env, "ADDIN_GOOGLE_ALLOWED_DOMAINS": "acme.example, eu.acme.example"})
    assert ok.google_allowed_domains == ("acme.example", "eu.acme.example")


@pytest.mark.parametrize(
    "weak",
    [
        "x",
        "test-secret",
        "k" * 64,  # hex-looking but one byte repeated
        "ab" * 40,
        secrets.token_urlsafe(16),  # random, but only 16 bytes
        secrets.token_hex(16),
    ],
)
def test_weak_secret_keys_are_refused_with_how_to_make_one(weak):
    with pytest.raises(SettingsError) as refused:
        load_settings({**BASE, "ADDIN_SECRET_KEY": weak})
    message = str(refused.value)
    assert message.startswith("ADDIN_SECRET_KEY") and "\n" not in message
    assert 'python3 -c "import secrets; print(secrets.token_urlsafe(32))"' in message
    assert weak not in message


@pytest.mark.parametrize(
    "strong",
    [
        secrets.token_urlsafe(32),
        secrets.token_hex(32),
        base64.b64encode(secrets.token_bytes(32)).decode(),  # standard alphabet with padding
        "Tr0ub4dor&3 correct horse battery staple, quite long",  # a long, varied passphrase
    ],
)
def test_secret_keys_with_32_random_bytes_are_accepted(strong):
    assert load_settings({**BASE, "ADDIN_SECRET_KEY": strong}).secret_key == strong


@pytest.mark.parametrize(
    "env, message",
    [
        ({"ADDIN_GOING_DARK_DAYS": "7"}, "between 14 and 42"),
        ({"ADDIN_GOING_DARK_DAYS": "soon"}, "ADDIN_GOING_DARK_DAYS"),
        ({"ADDIN_DEV_IDP": "maybe"}, "ADDIN_DEV_IDP"),
        ({"ADDIN_DEV_IDP": "1", "ADDIN_BIND_HOST": "0.0.0.0"}, "loopback"),
        (
            {"ADDIN_CRM": "salesforce", "ADDIN_CRM_TIMEOUT_SECONDS": "40"},
            "^ADDIN_CRM_TIMEOUT_SECONDS [^\n]+$",
        ),
    ],
)
def test_bad_settings_are_refused_with_the_variable_named(env, message):
    with pytest.raises(SettingsError, match=message):
        load_settings({**BASE, **env})


def test_a_long_crm_timeout_is_fine_where_no_sqlite_write_lock_waits_on_it():
    assert load_settings({**BASE, "ADDIN_CRM_TIMEOUT_SECONDS": "40"}).crm_timeout_seconds == 40  # local CRM
    pg = {"ADDIN_DATABASE_URL": "postgresql+psycopg://u@db/x", "ADDIN_CRM": "salesforce"}
    assert load_settings({**BASE, **pg, "ADDIN_CRM_TIMEOUT_SECONDS": "40"}).crm_timeout_seconds == 40


def test_secret_key_required_outside_demo_mode():
    with pytest.raises(SettingsError, match="ADDIN_SECRET_KEY"):
        load_settings({"ADDIN_MS_ALLOWED_TENANTS": TENANT})
    assert load_settings({"ADDIN_DEV_IDP": "1"}).dev_idp


def test_secrets_stay_out_of_repr():
    s = load_settings({**BASE, "ADDIN_MS_CLIENT_SECRET": "s3cret"})
    assert SECRET_KEY not in repr(s) and "s3cret" not in repr(s)


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
