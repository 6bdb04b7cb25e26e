"""`addin-api capture` as a real process: fills the counts, and a process killed between pages resumes."""

from __future__ import annotations

import subprocess

from sqlalchemy import select
from sqlalchemy.orm import Session

from addin_api.crm.local.models import Activity
from addin_api.crm.local.seed import load_dataset
from addin_api.store.capture import CaptureStore
from addin_api.store.db import make_engine, make_session_factory
from tests.capture.conftest import DATASET, REP
from tests.capture.test_capture_microsoft import seed
from tests.keys import SECRET_KEY
from tests.processes import CLI, run
from tests.standins.idp import TENANT


def _env(database_url, tmp_path, graph) -> dict:
    overrides = {**graph.settings_overrides(), "capture_page_size": "2", "capture_mailboxes": REP}
    return {
        "PATH": "/usr/bin:/bin",
        "ADDIN_DATABASE_URL": database_url,
        "ADDIN_SECRET_KEY": SECRET_KEY,
        "ADDIN_MS_ALLOWED_TENANTS": TENANT,
        "ADDIN_INSTANCE_PATH": str(tmp_path),
        "REQUESTS_CA_BUNDLE": graph.ca_file,  # the stand-in's self-signed certificate
        **{f"ADDIN_{k.upper()}": str(v) for k, v in overrides.items()},
    }


def _counts(database_url, deal_id):
    engine = make_engine(database_url)
    try:
        return CaptureStore(make_session_factory(engine)).captured("local", [deal_id]).get(deal_id)
    finally:
        engine.dispose()


def test_a_killed_capture_process_resumes_without_double_counting(database_url, tmp_path, graph):
    engine = make_engine(database_url)
    deals = load_dataset(engine, DATASET)
    engine.dispose()
    seed(graph)
    env = _env(database_url, tmp_path, graph)
    graph.hold_at = 3  # inbox: pages 1 and 2 stored, the process is killed waiting for page 3
    proc = subprocess.Popen([*CLI, "capture"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert graph.held.wait(60), "capture never reached the third page"
        proc.kill()
        proc.wait(30)
    finally:
        graph.release.set()
    graph.hold_at = None
    done = run(["capture"], env)
    assert done.returncode == 0, done.stderr
    resumed = [c for c in graph.requests[3:] if c["folder"] == "inbox"]
    assert resumed[0]["kind"] == "next"  # from the stored next link, not from the start
    counts = _counts(database_url, deals["acme"])
    assert (counts.inbound_count, counts.outbound_count) == (3, 2)
    assert counts.meetings_held + (counts.next_meeting is not None) == 2  # held or upcoming by today's clock
    again = run(["capture"], env)  # a pass with nothing new changes nothing
    assert "items added: 0, deals written: 0" in again.stdout


def test_with_log_emails_the_process_logs_each_captured_email_once_on_its_deal(database_url, tmp_path, graph):
    engine = make_engine(database_url)
    deals = load_dataset(engine, DATASET)
    seed(graph)
    env = {**_env(database_url, tmp_path, graph), "ADDIN_CAPTURE_LOG_EMAILS": "1"}
    first = run(["capture"], env)
    assert first.returncode == 0, first.stderr
    assert "emails logged: 5" in first.stdout  # rep's five Acme emails; the rest are not on an open deal
    assert "emails logged" not in run(["capture"], env).stdout
    with Session(engine) as s:
        logged = s.scalars(select(Activity.message_id).where(Activity.deal_id == int(deals["acme"]))).all()
    engine.dispose()
    assert len(logged) == len(set(logged)) == 5
