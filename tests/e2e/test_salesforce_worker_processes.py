"""`addin-api serve`, two real gunicorn workers on Salesforce: first opens sign in and fetch stages once."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from addin_api.crm.local.demo_data import demo_dataset
from tests.conftest import REP
from tests.keys import BASE_SETTINGS
from tests.processes import answers_logged, serving, settings_env, wait_all_workers_ready
from tests.standins.salesforce import signing_key

RECORD_TYPE = "012000000000RT1AAA"
STAGES = ["Problem identified", "Technical fit", "Closed won", "Closed lost"]
PICKLIST = f"picklist-values/{RECORD_TYPE}/"
TOKEN = "/services/oauth2/token"
WORKERS, OPENS = 2, 16  # 16 connections released at once: more than one worker's 8 threads


@pytest.fixture
def server(tmp_path, database_url, sf, idp):
    """`addin-api serve` (2 workers, each ready) on the Salesforce stand-in, trusting the test IdP."""
    key_path = tmp_path / "sf-key.pem"
    key_path.write_text(signing_key().private_pem)
    deal_ids = sf.load_dataset(demo_dataset())
    sf.org.record_types[RECORD_TYPE] = list(STAGES)  # nw-fleet's record type has stages of its own
    sf.org.tables["Opportunity"][deal_ids["nw-fleet"]]["RecordTypeId"] = RECORD_TYPE
    settings = {**BASE_SETTINGS, **idp.settings_overrides(), **sf.settings_overrides(str(key_path))}
    env = {**os.environ, **settings_env(settings), "ADDIN_INSTANCE_PATH": str(tmp_path)}
    env["ADDIN_DATABASE_URL"] = database_url
    log = tmp_path / "serve.log"
    with serving(["--workers", str(WORKERS)], env, log) as (base, master):
        workers = wait_all_workers_ready(base, master, log)
        yield base, f"/api/v1/deals/{deal_ids['nw-fleet']}", log, workers


def open_at_once(url: str, token: str) -> list[list[str]]:
    """OPENS clients, each on a connection of its own, released together by a barrier: the stages shown."""
    barrier = threading.Barrier(OPENS)

    def first_open(_: int) -> list[str]:
        with requests.Session() as client:  # connects on first use, so only once the barrier lets go
            barrier.wait(timeout=30)
            answer = client.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
        assert answer.status_code == 200, answer.text
        return [s["label"] for s in answer.json()["stages"]]

    with ThreadPoolExecutor(OPENS) as pool:
        return list(pool.map(first_open, range(OPENS)))


def test_first_opens_in_two_real_server_processes_sign_in_and_fetch_a_record_types_stages_once(
    server, sf, idp
):
    base, path, log, workers = server
    url, token = base + path, idp.mint(email=REP)
    assert len(workers) == WORKERS

    assert open_at_once(url, token) == [STAGES] * OPENS
    assert set(answers_logged(log, path, OPENS)) == set(workers)  # both processes answered first opens
    assert sf.count(PICKLIST) == 1 and sf.count(TOKEN) == 1  # one sign-in for the rep in all

    assert open_at_once(url, token) == [STAGES] * OPENS
    assert set(answers_logged(log, path, 2 * OPENS)) == set(workers)
    assert sf.count(PICKLIST) == 1 and sf.count(TOKEN) == 1
