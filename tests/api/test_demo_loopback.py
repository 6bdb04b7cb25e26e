"""Demo sign-in answers only requests that arrive on loopback, checked per request whatever the settings."""

from __future__ import annotations

import pytest

from addin_api import create_app
from addin_api.auth.devidp import DEMO_TENANT_ID

TOKEN_URL = f"/dev-idp/{DEMO_TENANT_ID}/oauth2/v2.0/token"
OFF_LOOPBACK = {
    "peer on the network": ({"REMOTE_ADDR": "10.0.0.5"}, {}),
    "public Host name": ({}, {"Host": "addin.example.com"}),
    "public Host address": ({}, {"Host": "203.0.113.7:8000"}),
    "relayed by a proxy": ({}, {"X-Forwarded-For": "203.0.113.9"}),
    "RFC 7239 proxy": ({}, {"Forwarded": "for=203.0.113.9;proto=https"}),
}


@pytest.fixture
def demo(database_url, tmp_path):
    """A demo-mode app (ADDIN_DEV_IDP=1) on its own database."""
    app = create_app({"dev_idp": True, "database_url": database_url, "instance_path": str(tmp_path)})
    yield app
    app.extensions["addin_api"].engine.dispose()


def _call(client, method, url, environ, headers, **kw):
    return getattr(client, method)(url, environ_base=environ, headers=headers, **kw)


@pytest.mark.parametrize("environ, headers", OFF_LOOPBACK.values(), ids=OFF_LOOPBACK.keys())
def test_demo_sign_in_refuses_requests_that_did_not_arrive_on_loopback(demo, environ, headers):
    client = demo.test_client()
    for method, url, kw in [
        ("post", TOKEN_URL, {"data": {"username": "rep@demo.example"}}),
        ("get", "/dev-idp/common/v2.0/.well-known/openid-configuration", {}),
        ("get", "/dev-idp/common/discovery/v2.0/keys", {}),
        ("get", "/preview", {}),
    ]:
        response = _call(client, method, url, environ, headers, **kw)
        assert response.status_code == 403, url
        assert response.get_json()["code"] == 403 and "access_token" not in response.get_json(), url


@pytest.mark.parametrize("environ, headers", OFF_LOOPBACK.values(), ids=OFF_LOOPBACK.keys())
def test_demo_tokens_are_not_honoured_off_loopback(demo, environ, headers):
    client = demo.test_client()
    token = client.post(TOKEN_URL, data={"username": "rep@demo.example"}).get_json()["access_token"]

    response = _call(
        client, "get", "/api/v1/pipeline", environ, {"Authorization": f"Bearer {token}", **headers}
    )

    assert response.status_code == 403 and "this machine" in response.get_json()["message"]


@pytest.mark.parametrize(
    "environ, host",
    [
        ({"REMOTE_ADDR": "127.0.0.1"}, "127.0.0.1:8000"),
        ({"REMOTE_ADDR": "::1"}, "[::1]:8000"),
        ({}, "localhost"),
    ],
)
def test_demo_sign_in_answers_on_loopback(demo, environ, host):
    response = demo.test_client().post(
        TOKEN_URL, data={"username": "rep@demo.example"}, environ_base=environ, headers={"Host": host}
    )

    assert response.status_code == 200 and response.get_json()["access_token"]
