"""`addin-api serve` under gunicorn in demo mode: a real process, real demo tokens, the curl walk-through."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest
import requests


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_listening(port: int, proc: subprocess.Popen, log_path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited early:\n{log_path.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)  # polling a condition (port open), not sleeping in place of one
    raise AssertionError("server did not start listening")


@pytest.fixture
def server(tmp_path, database_url):
    port = _free_port()
    env = {
        **os.environ,
        "ADDIN_DEV_IDP": "1",
        "ADDIN_INSTANCE_PATH": str(tmp_path),
        "ADDIN_DATABASE_URL": database_url,
    }
    env.pop("ADDIN_PUBLIC_BASE_URL", None)
    cli = [sys.executable, "-m", "addin_api.cli"]
    subprocess.run([*cli, "demo-data"], env=env, check=True, capture_output=True)
    log_path = tmp_path / "serve.log"
    with (
        open(log_path, "w") as log,
        subprocess.Popen(
            [*cli, "serve", "--port", str(port), "--workers", "1"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        ) as proc,
    ):
        try:
            _wait_until_listening(port, proc, log_path)
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
