"""Real `addin-api` processes for end-to-end tests: the command line, a free port, waiting for readiness."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

CLI = [sys.executable, "-m", "addin_api.cli"]


def demo_env(database_url: str, instance: Path) -> dict[str, str]:
    """The environment of `make run`: demo sign-in, embedded CRM, on `database_url`."""
    env = {**os.environ, "ADDIN_DEV_IDP": "1", "ADDIN_CRM": "local"}
    env.update(ADDIN_INSTANCE_PATH=str(instance), ADDIN_DATABASE_URL=database_url)
    env.pop("ADDIN_PUBLIC_BASE_URL", None)
    return env


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(args: list[str], env: dict) -> subprocess.CompletedProcess:
    """Run `addin-api ARGS` to completion, capturing its output."""
    return subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=120, check=False)


def wait_ready(base_url: str, procs: dict[str, subprocess.Popen], logs: dict[str, Path], timeout=30.0):
    """Poll /readyz until it answers 200; fail at once if any of `procs` exits, or at the deadline."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for name, proc in procs.items():
            if proc.poll() is not None:
                raise AssertionError(f"{name} exited ({proc.returncode}):\n{logs[name].read_text()}")
        try:
            if requests.get(f"{base_url}/readyz", timeout=5).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):  # listening before the workers have booted
            pass
        time.sleep(0.1)  # polling a condition (readiness) with a deadline, not sleeping in place of one
    raise AssertionError(f"{base_url}/readyz not ready within {timeout}s")


def demo_token(base_url: str, email: str = "rep@demo.example") -> str:
    """An access token from the demo sign-in of a server started with ADDIN_DEV_IDP=1."""
    response = requests.post(
        f"{base_url}/dev-idp/common/oauth2/v2.0/token", data={"username": email}, timeout=10
    )
    return response.json()["access_token"]
