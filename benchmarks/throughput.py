"""Throughput under load: `addin-api serve` against a bare Flask app serving the same JSON, same settings.

Run: python benchmarks/throughput.py [--deals 2000] [--seconds 10] [--postgres] [--routes deal,context]
[--writes 5]   (ADDIN_WORKERS / ADDIN_THREADS change every server's worker and thread counts.)
Needs `wrk` (Debian: `apt-get install -y wrk`). Everything listens on 127.0.0.1 only. The API runs twice
with its own gunicorn configuration (addin_api/gunicorn_conf.py): once as shipped (repeated reads answered
from the view cache while nothing they read changed) and once with ADDIN_VIEW_CACHE_MB=0 (every read
computed), on one SQLite file (or, with --postgres, a throwaway PostgreSQL cluster as in tests/postgres.py)
holding the demo set plus `--deals` generated deals, trusting a loopback identity provider (real RS256
tokens). The bare app (benchmarks/bare_app.py) returns the API's own answers, captured at start, under the
same settings. wrk drives each route at concurrency 8 for `--seconds` on the three servers back to back
(so a shared machine's noise mostly cancels); `--writes N` has a rep save the deal's next step N times a
second during the cached run, each save invalidating every kept answer. The table reports requests/s,
p50/p99, the ratio to the bare route and the load average.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.api_latency import bulk_dataset  # noqa: E402
from tests.standins.idp import TENANT, TestIdentityProvider  # noqa: E402

CONNECTIONS = 8
CONTEXT_QUERY = "email=nadia@northwind.example&email=leo@northwind.example&email=rep@demo.example"


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen, deadline_s: float = 60) -> None:
    """Poll /healthz until it answers 200 (or the process exits, or the deadline passes)."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        with contextlib.suppress(requests.RequestException):
            if requests.get(url + "/healthz", timeout=1).status_code == 200:
                return
        time.sleep(0.1)  # polling a health URL with a deadline
    raise SystemExit(f"{url} not healthy after {deadline_s}s")


def seed(url: str, deals: int) -> dict[str, str]:
    """Migrate the database and load the demo set plus `deals` generated deals; demo key → deal id."""
    from addin_api.crm.local.demo_data import demo_dataset
    from addin_api.crm.local.seed import load_dataset
    from addin_api.migrations import upgrade
    from addin_api.store.db import make_engine

    engine = make_engine(url)
    try:
        upgrade(engine)
        ids = load_dataset(engine, demo_dataset())
        if deals:
            load_dataset(engine, bulk_dataset(deals))
        return ids
    finally:
        engine.dispose()


def start(argv: list[str], env: dict, log: Path) -> subprocess.Popen:
    """Start a server process in its own process group, its output to `log`."""
    out = log.open("wb")
    return subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def stop(proc: subprocess.Popen) -> None:
    """Stop a gunicorn master (and so its workers) started by `start`."""
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def worker_rss_mb(master_pid: int) -> list[float]:
    """Resident memory (MB) of each worker of a gunicorn master, from /proc."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    sizes = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        kb = int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.M).group(1))
        sizes.append(kb / 1024)
    return sizes


def run_wrk(url: str, token: str, seconds: int) -> dict:
    """requests/s, p50 and p99 (ms) of one wrk run at concurrency 8, with the load average around it."""
    before = os.getloadavg()[0]
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{CONNECTIONS}",
            f"-d{seconds}s",
            "--latency",
            "-H",
            f"Authorization: Bearer {token}",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        raise SystemExit(f"{url}: {m.group(1)} error answers under load")
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)),
        "p99": _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)),
        "load": (before + os.getloadavg()[0]) / 2,
    }


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def capture_answers(base: str, token: str, paths: dict[str, str], folder: Path) -> None:
    """Save the API's answers for the bare app to serve (checked: each is a 200)."""
    for name, path in paths.items():
        r = requests.get(base + path, headers={"Authorization": f"Bearer {token}"}, timeout=30)
        r.raise_for_status()
        (folder / f"{name}.json").write_bytes(r.content)


@contextlib.contextmanager
def database(postgres: bool, folder: Path):
    """A SQLite file, or a database of a throwaway PostgreSQL cluster."""
    if not postgres:
        yield f"sqlite:///{folder / 'bench.db'}"
        return
    from tests.postgres import Cluster

    with Cluster() as cluster, cluster.fresh_database(migrated=False) as url:
        yield url


def main() -> None:
    """Start both servers, drive each route with wrk, print a Markdown table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--deals", type=int, default=2000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument("--routes", default="deal,context,pipeline", help="comma-separated subset")
    parser.add_argument("--writes", type=float, default=0, help="saves per second during the kept run")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the identity provider's access log
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    with (
        TestIdentityProvider() as idp,
        tempfile.TemporaryDirectory() as tmp,
        database(args.postgres, Path(tmp)) as url,
    ):
        run(args, idp, Path(tmp), url)


def run(args, idp, tmp: Path, url: str) -> None:
    """The benchmark proper, once the identity provider and the database exist."""
    ids = seed(url, args.deals)
    token = idp.mint(email="rep@demo.example")
    paths = {
        "deal": f"/api/v1/deals/{ids['nw-fleet']}",
        "context": f"/api/v1/context?{CONTEXT_QUERY}",
        "pipeline": "/api/v1/pipeline",
    }
    bin_dir = Path(sys.executable).parent
    env = {
        **os.environ,
        "ADDIN_DATABASE_URL": url,
        "ADDIN_SECRET_KEY": secrets.token_urlsafe(32),
        "ADDIN_MS_AUTHORITY": idp.authority,
        "ADDIN_MS_CLIENT_ID": idp.settings_overrides()["ms_client_id"],
        "ADDIN_MS_ALLOWED_TENANTS": TENANT,
        "ADDIN_LOG_LEVEL": "WARNING",
        "ADDIN_CRM": "local",
        "BARE_JSON_DIR": str(tmp),
        "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'benchmarks'}",  # this tree's code, and bare_app
    }
    servers: dict[str, subprocess.Popen] = {}
    try:
        urls = {}
        for name, extra in (("kept", {}), ("cold", {"ADDIN_VIEW_CACHE_MB": "0"})):
            port = free_port()
            argv = [str(bin_dir / "addin-api"), "serve", "--port", str(port)]
            servers[name] = start(argv, {**env, **extra}, tmp / f"{name}.log")
            urls[name] = f"http://127.0.0.1:{port}"
            wait_healthy(urls[name], servers[name])
        capture_answers(urls["kept"], token, paths, tmp)
        port = free_port()
        bare_argv = [str(bin_dir / "gunicorn"), "-c", "python:addin_api.gunicorn_conf"]
        servers["bare"] = start(
            [*bare_argv, "--bind", f"127.0.0.1:{port}", "bare_app:app"], env, tmp / "bare.log"
        )
        urls["bare"] = f"http://127.0.0.1:{port}"
        wait_healthy(urls["bare"], servers["bare"])
        report(args, paths, urls, token, servers, ids)
    finally:
        for proc in servers.values():
            stop(proc)


@contextlib.contextmanager
def writes(base: str, token: str, deal_id: str, per_second: float):
    """While inside, a rep saves the next step of one deal `per_second` times a second (0: never)."""
    stop_at = threading.Event()

    def save_loop():
        auth = {"Authorization": f"Bearer {token}"}
        n = 0
        while not stop_at.wait(1 / per_second):  # pacing a load generator, not synchronising a test
            deal = requests.get(f"{base}/api/v1/deals/{deal_id}", headers=auth, timeout=30).json()
            n += 1
            body = {"version": deal["version"], "next_step": f"Benchmark save {n}"}
            requests.patch(f"{base}/api/v1/deals/{deal_id}", json=body, headers=auth, timeout=30)

    thread = threading.Thread(target=save_loop, daemon=True) if per_second > 0 else None
    if thread:
        thread.start()
    try:
        yield
    finally:
        stop_at.set()
        if thread:
            thread.join()


def report(args, paths, urls, token, servers, ids) -> None:
    """Drive each route on the three servers back to back; print the table and the workers' memory."""
    from addin_api import gunicorn_conf

    db = "PostgreSQL" if args.postgres else "SQLite"
    print(
        f"{db}, demo set + {args.deals} deals, {gunicorn_conf.workers} workers × {gunicorn_conf.threads} "
        f"threads, wrk -c{CONNECTIONS} -d{args.seconds}s, saves during the kept-answer run: {args.writes}/s"
    )
    print(
        "| route | kept answers rps (p50 / p99 ms) | ÷ bare | cache off rps (p50 / p99 ms) | ÷ bare "
        "| bare rps (p50 / p99 ms) | load avg |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, path in paths.items():
        if name not in args.routes.split(","):
            continue
        with writes(urls["kept"], token, ids["nw-fleet"], args.writes):
            kept = run_wrk(urls["kept"] + path, token, args.seconds)
        cold = run_wrk(urls["cold"] + path, token, args.seconds)
        bare = run_wrk(urls["bare"] + path, token, args.seconds)
        load = (kept["load"] + cold["load"] + bare["load"]) / 3
        print(
            f"| {name} | {_cell(kept)} | {kept['rps'] / bare['rps']:.2f}× | {_cell(cold)} "
            f"| {cold['rps'] / bare['rps']:.2f}× | {_cell(bare)} | {load:.1f} |",
            flush=True,
        )
    for name, proc in servers.items():
        print(f"RSS per worker, {name}: " + ", ".join(f"{mb:.0f} MB" for mb in worker_rss_mb(proc.pid)))


def _cell(r: dict) -> str:
    return f"{r['rps']:.0f} ({r['p50']:.1f} / {r['p99']:.1f})"


if __name__ == "__main__":
    main()
