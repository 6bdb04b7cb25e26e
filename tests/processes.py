"""Real `addin-api` processes for end-to-end tests: the command line, a free port, waiting for readiness."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

CLI = [sys.executable, "-m", "addin_api.cli"]


def demo_env(database_url: str, instance: Path) -> dict[str, str]:
    """The environment of `make run`: demo sign-in, embedded CRM, on `database_url`."""
    env = {**os.environ, "ADDIN_DEV_IDP": "1", "ADDIN_CRM": "local"}
    env.update(ADDIN_INSTANCE_PATH=str(instance), ADDIN_DATABASE_URL=database_url)
    env.pop("ADDIN_PUBLIC_BASE_URL", None)
    return env


def settings_env(settings: dict[str, Any]) -> dict[str, str]:
    """Settings as a test app takes them (`idp.settings_overrides()`, …) as a process's ADDIN_* variables."""
    return {
        f"ADDIN_{name.upper()}": ",".join(value) if isinstance(value, tuple) else str(value)
        for name, value in settings.items()
    }


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


@contextmanager
def serving(args: list[str], env: dict, log: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """`addin-api serve ARGS` on a free port, once ready (/readyz): its base URL and gunicorn's master.

    Stopped after, even if the block fails: SIGINT is gunicorn's quick shutdown (TERM waits for workers).
    """
    port = free_port()
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [*CLI, "serve", "--port", str(port), *args], env=env, stdout=out, stderr=subprocess.STDOUT
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_ready(base, {"serve": proc}, {"serve": log})
            yield base, proc
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def children(pid: int) -> list[int]:
    """The process ids of `pid`'s children (gunicorn's workers, for a master), from /proc."""
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def answered_by(log: Path, path: str) -> Counter[int]:
    """How many requests for `path` each worker (by pid) answered, from the access log of `serving`."""
    line = re.compile(rf'^<(\d+)> \S+ "\w+ {re.escape(path)}" ', re.M)
    return Counter(int(pid) for pid in line.findall(log.read_text()))


def wait_all_workers_ready(base_url: str, master: subprocess.Popen, log: Path, timeout=30.0) -> list[int]:
    """Poll /readyz, each time on a new connection, until every worker of `master` has answered: their pids.

    `serving` returns once one worker answers; the others may still be loading the app.
    """
    workers = children(master.pid)
    deadline = time.monotonic() + timeout
    while set(answered_by(log, "/readyz")) != set(workers):
        assert time.monotonic() < deadline, f"workers {workers} not all ready within {timeout}s"
        assert master.poll() is None, log.read_text()
        requests.get(f"{base_url}/readyz", timeout=5)
        time.sleep(0.05)  # polling a condition (every worker answered) with a deadline
    return workers


def answers_logged(log: Path, path: str, count: int, timeout=10.0) -> Counter[int]:
    """`answered_by` once `count` answers for `path` are logged (a worker logs just after it answers)."""
    deadline = time.monotonic() + timeout
    while (seen := answered_by(log, path)).total() < count:
        assert time.monotonic() < deadline, f"{seen.total()} of {count} answers for {path} logged"
        time.sleep(0.05)  # polling a condition with a deadline
    return seen


def demo_token(base_url: str, email: str = "rep@demo.example") -> str:
    """An access token from the demo sign-in of a server started with ADDIN_DEV_IDP=1."""
    response = requests.post(
        f"{base_url}/dev-idp/common/oauth2/v2.0/token", data={"username": email}, timeout=10
    )
    return response.json()["access_token"]
