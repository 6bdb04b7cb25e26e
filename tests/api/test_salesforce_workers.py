"""Two workers on one database (two apps, as gunicorn's two processes) share Salesforce picklists, tokens."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, text

from addin_api.crm.local.demo_data import demo_dataset
from tests.conftest import REP, ApiClient
from tests.standins.salesforce import signing_key

RECORD_TYPE = "012000000000RT1AAA"
STAGES = ["Problem identified", "Technical fit", "Closed won", "Closed lost"]
TOKEN = "/services/oauth2/token"


@pytest.fixture
def workers(make_app, tmp_path, sf, idp):
    """Two apps on the same database and stand-in; one deal has a record type with its own stages."""
    key_path = tmp_path / "sf-key.pem"
    key_path.write_text(signing_key().private_pem)
    deal_ids = sf.load_dataset(demo_dataset())
    sf.org.record_types[RECORD_TYPE] = list(STAGES)
    sf.org.tables["Opportunity"][deal_ids["nw-fleet"]]["RecordTypeId"] = RECORD_TYPE
    apps = [make_app(**sf.settings_overrides(str(key_path))) for _ in range(2)]
    token = idp.mint(email=REP)
    apis = [ApiClient(a.test_client(), token) for a in apps]
    return apis, apps, deal_ids["nw-fleet"], deal_ids


def open_deal(api: ApiClient, deal_id: str) -> list[str]:
    answer = api.get(f"/api/v1/deals/{deal_id}")
    assert answer.status_code == 200, answer.get_json()
    return [s["label"] for s in answer.get_json()["stages"]]


def cache_statements(app) -> list[str]:
    """Every SQL statement the app's engine sends that touches the shared CRM cache, from now on."""
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        if "crm_cache" in statement or "BEGIN IMMEDIATE" in statement:
            seen.append(statement)

    event.listen(app.extensions["addin_api"].engine, "before_cursor_execute", record)
    return seen


def test_two_workers_fetch_a_record_types_stages_and_the_reps_token_once_in_all(workers, sf):
    (first, second), apps, deal_id, _ = workers
    assert open_deal(first, deal_id) == STAGES
    assert sf.count("ui-api") == 1 and sf.count(TOKEN) == 1

    assert open_deal(second, deal_id) == STAGES  # the other worker: its memory is cold, the store is not
    assert sf.count("ui-api") == 1 and sf.count(TOKEN) == 1

    touched, before = cache_statements(apps[1]), sf.count()
    assert open_deal(second, deal_id) == STAGES  # warm: one Salesforce request, the store left alone
    assert sf.count() - before == 1 and touched == []


def test_many_first_opens_across_two_workers_fetch_a_record_types_stages_once(workers, sf):
    (first, second), apps, deal_id, ids = workers
    for api in (first, second):  # both workers hold the rep's token and the org's stages already
        assert open_deal(api, ids["contoso-clinics"]) and sf.count("ui-api") == 0
    # Whichever worker fetches first waits until both have looked in the store and found nothing yet.
    looked, both_looked = set(), threading.Condition()
    for n, app in enumerate(apps):
        crm = app.extensions["addin_api"].crm
        crm.shared.get = spy_lookups(crm.shared.get, n, looked, both_looked)
        crm.picklists._ask = wait_for_both(crm.picklists._ask, looked, both_looked)
    opens = 8
    barrier = threading.Barrier(opens)

    def first_open(i: int) -> list[str]:
        barrier.wait()
        return open_deal((first, second)[i % 2], deal_id)

    with ThreadPoolExecutor(opens) as pool:
        stages = list(pool.map(first_open, range(opens)))

    assert sf.count("ui-api") == 1
    assert stages == [STAGES] * opens and looked == {0, 1}


def spy_lookups(get, worker: int, looked: set, both_looked: threading.Condition):
    """The store lookup, noting which worker looked for a picklist."""

    def spy(key, **kw):
        entry = get(key, **kw)
        if key.startswith("picklist:"):
            with both_looked:
                looked.add(worker)
                both_looked.notify_all()
        return entry

    return spy


def wait_for_both(fetch, looked: set, both_looked: threading.Condition):
    """The UI API call, sent once both workers have looked in the store (the deadline only fails the test)."""

    def held(*args):
        with both_looked:
            assert both_looked.wait_for(lambda: len(looked) == 2, timeout=30)
        return fetch(*args)

    return held


def test_an_expired_shared_entry_is_fetched_again_by_the_next_cold_worker(workers, sf, make_app, tmp_path):
    (first, second), apps, deal_id, _ = workers
    open_deal(first, deal_id)
    sf.org.record_types[RECORD_TYPE] = STAGES[1:]  # an admin drops a stage from the record type
    with apps[0].extensions["addin_api"].engine.begin() as conn:
        conn.execute(
            text("UPDATE crm_cache SET expires_at = :past WHERE key LIKE 'salesforce:picklist:%'"),
            {"past": datetime(2020, 1, 1, tzinfo=UTC)},
        )

    assert open_deal(second, deal_id) == STAGES[1:]
    assert sf.count("ui-api") == 2
    third = make_app(**sf.settings_overrides(str(tmp_path / "sf-key.pem")))  # a worker started later
    assert open_deal(ApiClient(third.test_client(), first.token), deal_id) == STAGES[1:]
    assert sf.count("ui-api") == 2  # the entry stored again serves it


def test_a_refused_shared_token_is_renewed_once_and_the_other_worker_takes_the_new_one(workers, sf):
    (first, second), _, deal_id, _ = workers
    open_deal(first, deal_id)
    open_deal(second, deal_id)
    sf.expire_sessions()  # the org's session timeout ends the token both workers hold

    open_deal(first, deal_id)  # a 401, one refresh, the shared entry replaced
    assert sf.count(TOKEN) == 2
    open_deal(second, deal_id)  # its own 401, then the token the first worker stored
    assert sf.count(TOKEN) == 2 and len(sf.sessions) == 1


def test_a_shared_token_refused_too_is_replaced_by_the_workers_own(workers, sf):
    (first, second), _, deal_id, _ = workers
    open_deal(first, deal_id)
    open_deal(second, deal_id)
    sf.expire_sessions()
    open_deal(first, deal_id)  # renews and shares
    sf.expire_sessions()  # and that one is ended as well before the second worker comes back

    assert (
        open_deal(second, deal_id) == STAGES
    )  # 401, the shared token: 401, then its own: the rep sees no error
    assert sf.count(TOKEN) == 3
    open_deal(first, deal_id)  # and the first worker takes that one in turn
    assert sf.count(TOKEN) == 3


def test_the_shared_access_token_is_sealed_in_the_store_and_never_logged(workers, sf, caplog):
    caplog.set_level(logging.DEBUG)
    (first, _), apps, deal_id, _ = workers
    open_deal(first, deal_id)
    (token,) = sf.sessions
    with apps[0].extensions["addin_api"].engine.connect() as conn:
        rows = dict(conn.execute(text("SELECT key, value FROM crm_cache")).all())
    (session_key,) = [k for k in rows if k.startswith("salesforce:session:")]  # the one rep's
    assert (
        rows[f"salesforce:picklist:{sf.instance_url}:{RECORD_TYPE}"] == '["Closed lost","Closed won",'
        '"Problem identified","Technical fit"]'
    )
    assert token not in rows[session_key] and sf.instance_url not in rows[session_key]
    assert token not in caplog.text
