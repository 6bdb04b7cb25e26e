"""`addin-api serve` under gunicorn in demo mode: a real process, real demo tokens, the curl walk-through."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.processes import CLI, demo_env, free_port, run, serving

TOOLS = Path(__file__).resolve().parents[2] / "tools"


@pytest.fixture
def server(tmp_path, database_url):
    env = demo_env(database_url, tmp_path)
    assert run(["demo-data"], env).returncode == 0
    with serving(["--workers", "1"], env, tmp_path / "serve.log") as (base, _):
        yield base


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


def _readme_walkthrough() -> str:
    """The shell block under "## Try the API with curl" in README.md, exactly as a reader would paste it."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Try the API with curl", 1)[1]
    return section.split("```sh\n", 1)[1].split("```", 1)[0]


def test_readme_walkthrough_runs_as_pasted_twice_in_a_row(server, tmp_path):
    script = tmp_path / "walkthrough.sh"
    script.write_text("set -euo pipefail\n" + _readme_walkthrough())
    env = {**os.environ, "PORT": server.rsplit(":", 1)[1]}
    for attempt in (1, 2):
        done = subprocess.run(
            ["bash", str(script)], env=env, capture_output=True, text=True, timeout=60, check=False
        )
        assert done.returncode == 0, f"run {attempt}:\n{done.stdout}\n{done.stderr}"
        last = json.loads(done.stdout.strip().splitlines()[-1])  # the change, read back by its id
        assert last["state"] == "done", (attempt, last)


def test_wait_ready_prints_the_preview_url_once_the_server_answers(server):
    done = subprocess.run(
        [sys.executable, str(TOOLS / "wait_ready.py"), server, "--timeout", "30"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0 and done.stdout == f"Deal Desk is ready: {server}/preview\n"


def test_wait_ready_gives_up_at_its_deadline_when_nothing_listens():
    done = subprocess.run(
        [sys.executable, str(TOOLS / "wait_ready.py"), f"http://127.0.0.1:{free_port()}", "--timeout", "0.5"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 1 and done.stdout == "" and "did not answer" in done.stderr


@pytest.mark.parametrize(
    "setting, value, named",
    [
        ("ADDIN_GOING_DARK_DAYS", "3", "ADDIN_GOING_DARK_DAYS must be between 14 and 42"),
        ("ADDIN_SECRET_KEY", "short", "ADDIN_SECRET_KEY must carry"),
    ],
)
def test_a_bad_setting_is_one_line_before_anything_listens(tmp_path, database_url, setting, value, named):
    port = free_port()
    env = {**demo_env(database_url, tmp_path), setting: value}
    done = subprocess.run(
        [*CLI, "serve", "--port", str(port), "--workers", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"addin-api: {named}"), done.stderr
    assert done.stdout == ""  # not even the schema upgrade ran, let alone gunicorn's "Listening at"
    with socket.socket() as probe:  # the port is still free: nothing was bound
        probe.bind(("127.0.0.1", port))
