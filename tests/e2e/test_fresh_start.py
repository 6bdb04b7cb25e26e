"""`make run`'s start-up on fresh databases, as real processes: up every time, never half-booted."""

from __future__ import annotations

import signal
import subprocess
from contextlib import ExitStack

import requests

from tests.processes import CLI, demo_env, demo_token, free_port, run, wait_ready

STARTS = 5


def test_many_fresh_starts_in_a_row_never_fail(new_empty_database, tmp_path):
    for attempt in range(STARTS):
        folder = tmp_path / f"start-{attempt}"
        folder.mkdir()
        _start_like_make_run(new_empty_database(), folder)


def _start_like_make_run(database_url: str, folder) -> None:
    """db upgrade → demo-data → drain and serve (4 workers) at the same moment; both live, a deal reads."""
    env, port = demo_env(database_url, folder), free_port()
    for step in (["db", "upgrade"], ["demo-data"]):
        done = run(step, env)
        assert done.returncode == 0, done.stderr
    logs = {name: folder / f"{name}.log" for name in ("serve", "drain")}
    argv = {
        "serve": [*CLI, "serve", "--port", str(port), "--workers", "4", "--threads", "2"],
        "drain": [*CLI, "outbox", "drain", "--loop", "--interval", "0.2"],
    }
    with ExitStack() as stack:
        procs = {}
        for name in argv:
            log = stack.enter_context(open(logs[name], "w"))
            procs[name] = stack.enter_context(
                subprocess.Popen(argv[name], env=env, stdout=log, stderr=subprocess.STDOUT)
            )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_ready(base, procs, logs)
            auth = {"Authorization": f"Bearer {demo_token(base)}"}
            deal = requests.get(f"{base}/api/v1/deals/1", headers=auth, timeout=10)
            assert deal.status_code == 200 and deal.json()["name"]
            assert all(proc.poll() is None for proc in procs.values()), "a process died after start-up"
            for name, path in logs.items():  # read before stopping: a quick shutdown has noise of its own
                text = path.read_text()
                assert "Traceback" not in text and "failed to boot" not in text.lower(), f"{name}:\n{text}"
        finally:
            procs["serve"].send_signal(signal.SIGINT)  # gunicorn's quick shutdown; TERM waits for workers
            procs["drain"].terminate()
            for proc in procs.values():
                proc.wait(timeout=15)
