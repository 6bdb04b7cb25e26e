"""The demo identity provider: settings overrides, Entra-shaped documents, tokens EntraValidator accepts."""

from __future__ import annotations

import dataclasses
import stat
import types
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from flask import Flask
from jwt.algorithms import RSAAlgorithm

from addin_api.auth.devidp import (
    DEMO_CLIENT_ID,
    DEMO_OIDS,
    DEMO_REPS,
    DEMO_TENANT_ID,
    KEY_FILE,
    SECRET_KEY_FILE,
    bp,
    dev_overrides,
)
from addin_api.auth.entra import EntraValidator
from addin_api.config import Settings, load_settings
from addin_api.domain import Principal
from tests.keys import BASE_SETTINGS
from tests.standins.idp import LoopbackServer


def demo_settings(instance: Path, base_url: str = "http://127.0.0.1:8000", **extra) -> Settings:
    """Settings as create_app builds them with ADDIN_DEV_IDP=1."""
    base = load_settings(
        {}, {"dev_idp": True, "instance_path": str(instance), "public_base_url": base_url, **extra}
    )
    return dataclasses.replace(base, **dev_overrides(base))


def demo_app(settings: Settings) -> Flask:
    """A bare Flask app carrying only the demo IdP blueprint."""
    app = Flask(__name__)
    app.register_blueprint(bp)
    app.extensions["addin_api"] = types.SimpleNamespace(settings=settings)
    return app


@pytest.fixture
def served(tmp_path):
    """The demo IdP on loopback, with settings whose public base URL is that server."""
    app = Flask(__name__)
    app.register_blueprint(bp)
    with LoopbackServer(app) as server:
        settings = demo_settings(tmp_path / "instance", server.url)
        app.extensions["addin_api"] = types.SimpleNamespace(settings=settings)
        yield types.SimpleNamespace(url=server.url + "/dev-idp", settings=settings)


@pytest.fixture
def http():
    """A requests session, as the validator uses."""
    with requests.Session() as session:
        yield session


def test_dev_overrides_point_entra_at_the_demo_idp(tmp_path):
    base = load_settings(
        {}, {"dev_idp": True, "instance_path": str(tmp_path), "public_base_url": "http://127.0.0.1:8000/"}
    )

    overrides = dev_overrides(base)

    assert overrides["ms_authority"] == "http://127.0.0.1:8000/dev-idp"
    assert overrides["ms_client_id"] == DEMO_CLIENT_ID
    assert overrides["ms_allowed_tenants"] == (DEMO_TENANT_ID,)
    assert overrides["secret_key"] and dev_overrides(base)["secret_key"] == overrides["secret_key"]
    assert stat.S_IMODE((tmp_path / SECRET_KEY_FILE).stat().st_mode) == 0o600


def test_dev_overrides_keep_what_the_operator_set(tmp_path):
    explicit = {"ms_client_id": "c", "ms_allowed_tenants": ("t",), **BASE_SETTINGS}
    base = load_settings({}, {"dev_idp": True, "instance_path": str(tmp_path), **explicit})

    assert dev_overrides(base) == {"ms_authority": "http://127.0.0.1:8000/dev-idp"}


def test_dev_overrides_are_empty_unless_enabled(tmp_path):
    assert dev_overrides(load_settings({}, {**BASE_SETTINGS, "instance_path": str(tmp_path)})) == {}


def test_discovery_documents_have_microsofts_shape(served, http):
    v2 = http.get(f"{served.url}/common/v2.0/.well-known/openid-configuration", timeout=5).json()
    tenant_v2 = http.get(
        f"{served.url}/{DEMO_TENANT_ID}/v2.0/.well-known/openid-configuration", timeout=5
    ).json()
    v1 = http.get(f"{served.url}/common/.well-known/openid-configuration", timeout=5).json()

    assert v2["issuer"] == served.url + "/{tenantid}/v2.0"
    assert v2["jwks_uri"] == served.url + "/common/discovery/v2.0/keys"
    assert tenant_v2["issuer"] == f"{served.url}/{DEMO_TENANT_ID}/v2.0"
    assert v1["issuer"] == served.url + "/sts/{tenantid}/"
    assert v1["jwks_uri"] == served.url + "/common/discovery/keys"


def test_unknown_tenant_is_not_found(served, http):
    other_tenant = "00000000-0000-0000-0000-000000000000"
    response = http.get(f"{served.url}/{other_tenant}/v2.0/.well-known/openid-configuration", timeout=5)

    assert response.status_code == 404


def test_jwks_publish_only_the_public_key_of_the_persisted_file(served, http):
    (key_v2,) = http.get(f"{served.url}/common/discovery/v2.0/keys", timeout=5).json()["keys"]
    (key_v1,) = http.get(f"{served.url}/common/discovery/keys", timeout=5).json()["keys"]

    key_file = Path(served.settings.instance_path) / KEY_FILE
    stored = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
    assert key_v2["n"] == RSAAlgorithm.to_jwk(stored.public_key(), as_dict=True)["n"]
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert {"kty", "use", "kid", "alg", "n", "e"} <= key_v1.keys() and not {"d", "p", "q"} & key_v1.keys()
    assert key_v2["issuer"] == served.url + "/{tenantid}/v2.0" and "issuer" not in key_v1
    assert key_v1["kid"] == key_v2["kid"]


def test_no_key_exists_before_first_use(tmp_path):
    client = demo_app(demo_settings(tmp_path)).test_client()
    assert not (tmp_path / KEY_FILE).exists()

    client.get("/dev-idp/common/discovery/keys")

    assert (tmp_path / KEY_FILE).exists()


def test_token_endpoint_mints_a_token_the_validator_accepts(served, http):
    form = {"grant_type": "password", "username": "Rep@Demo.Example"}
    response = http.post(f"{served.url}/common/oauth2/v2.0/token", data=form, timeout=5)
    body = response.json()

    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert (body["token_type"], body["expires_in"]) == ("Bearer", 3600)
    assert body["scope"] == f"api://{DEMO_CLIENT_ID}/access_as_user"
    assert EntraValidator(served.settings, http).validate(body["access_token"]) == Principal(
        email="rep@demo.example",
        subject=DEMO_OIDS["rep@demo.example"],
        tenant=DEMO_TENANT_ID,
        name="Riley Rep",
        org=DEMO_TENANT_ID,
    )


def test_token_endpoint_accepts_json_and_the_demo_tenant_path(served, http):
    url = f"{served.url}/{DEMO_TENANT_ID}/oauth2/v2.0/token"
    response = http.post(url, json={"username": "rep2@demo.example"}, timeout=5)

    principal = EntraValidator(served.settings, http).validate(response.json()["access_token"])

    assert (principal.email, principal.name) == ("rep2@demo.example", DEMO_REPS["rep2@demo.example"])


def test_unknown_username_gets_an_oauth_error(tmp_path):
    client = demo_app(demo_settings(tmp_path)).test_client()

    response = client.post("/dev-idp/common/oauth2/v2.0/token", data={"username": "boss@demo.example"})

    assert response.status_code == 400
    assert response.json["error"] == "invalid_grant" and "access_token" not in response.json


def test_other_grant_types_are_refused(tmp_path):
    client = demo_app(demo_settings(tmp_path)).test_client()

    response = client.post("/dev-idp/common/oauth2/v2.0/token", data={"grant_type": "client_credentials"})

    assert (response.status_code, response.json["error"]) == (400, "unsupported_grant_type")


def test_nothing_is_served_unless_dev_idp_is_on(tmp_path):
    settings = load_settings({}, {**BASE_SETTINGS, "instance_path": str(tmp_path)})
    client = demo_app(settings).test_client()

    assert (
        client.post("/dev-idp/common/oauth2/v2.0/token", data={"username": "rep@demo.example"}).status_code
        == 404
    )
    assert client.get("/dev-idp/common/discovery/keys").status_code == 404
