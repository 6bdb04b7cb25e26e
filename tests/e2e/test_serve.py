"""`addin-api serve` under gunicorn in demo mode: a real process, real demo tokens, the curl walk-through."""

from __future__ import annotations

import subprocess

import pytest
import requests

from tests.processes import CLI, demo_env, free_port, run, wait_ready


@pytest.fixture
def server(tmp_path, database_url):
    port = free_port()
    env = demo_env(database_url, tmp_path)
    assert run(["demo-data"], env).returncode == 0
    log_path = tmp_path / "serve.log"
    with (
        open(log_path, "w") as log,
        subprocess.Popen(
            [*CLI, "serve", "--port", str(port), "--workers", "1"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        ) as proc,
    ):
        try:
            wait_ready(f"http://127.0.0.1:{port}", {"serve": proc}, {"serve": log_path})
            yield f"http://127.0.0.1:{port}"
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def test_walkthrough_against_gunicorn_with_demo_sign_in(server):
    token = requests.post(
        f"{server}/dev-idp/common/oauth2/v2.0/token", data={"username": "rep@demo.example"}, timeout=10
    ).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    assert requests.get(f"{server}/api/v1/pipeline", timeout=10).status_code == 401
    deals = requests.get(f"{server}/api/v1/pipeline", headers=auth, timeout=10).json()["deals"]
    assert deals[0]["health"]["going_dark"] is True
    deal = requests.get(f"{server}/api/v1/deals/{deals[0]['id']}", headers=auth, timeout=10).json()
    r = requests.patch(
        f"{server}/api/v1/deals/{deal['id']}",
        headers=auth,
        timeout=10,
        json={"version": deal["version"], "stage": deal["stages"][0]["id"], "next_step": "Re-engage"},
    )
    assert r.status_code == 200 and r.json()["deal"]["next_step"] == "Re-engage"
    r = requests.post(
        f"{server}/api/v1/deals/{deal['id']}/emails",
        headers=auth,
        timeout=10,
        json={
            "message_id": "<e2e@buyer.example>",
            "subject": "Hello",
            "from": "buyer@buyer.example",
            "to": ["rep@demo.example"],
            "sent_at": "2026-11-20T10:00:00+00:00",
            "rating": "positive",
        },
    )
    assert r.status_code == 200 and r.json()["change"]["state"] == "done"
    stranger = requests.post(
        f"{server}/dev-idp/common/oauth2/v2.0/token", data={"username": "eve@evil.example"}, timeout=10
    )
    assert stranger.status_code == 400
