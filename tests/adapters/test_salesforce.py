"""The Salesforce adapter against the loopback stand-in: round trips, auth, 412s, errors, logging, tokens."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests

from addin_api.config import SettingsError, load_settings
from addin_api.crm.port import CrmAuthError, CrmConflict, CrmNotFound, CrmRejected, CrmUnavailable
from addin_api.crm.salesforce.adapter import SalesforceCrm
from addin_api.crm.salesforce.auth import WrongAccount, pkce_pair
from addin_api.crm.salesforce.mapping import id18, message_key
from addin_api.domain import DealChanges, Direction, EmailLog, Principal, Rating
from addin_api.store.db import make_engine
from tests.contract.conftest import DATASET
from tests.keys import BASE_SETTINGS
from tests.schema import migrated_sqlite
from tests.standins.salesforce import SalesforceStandin, signing_key

REP = Principal("rep@demo.example", "oid-rep", "tid")
REP2 = Principal("rep2@demo.example", "oid-rep2", "tid")
SAM = "sam.seller@acme-sf.example"  # rep2's Salesforce username differs from the mailbox
ADA = "ada@acme.example"
COMPOSITE = "POST /org/services/data/v67.0/composite"
PATCH_OPP = "PATCH /services/data/v67.0/sobjects/Opportunity"


@pytest.fixture
def ids(sf):
    return sf.load_dataset(DATASET, usernames={"rep2@demo.example": SAM})


@pytest.fixture
def make_crm(sf, tmp_path):
    """Build adapters on the stand-in; `jwt=False` selects the per-rep web-server flow."""
    key_path = tmp_path / "key.pem"
    key_path.write_text(signing_key().private_pem)
    opened = []

    def build(jwt=True, **overrides) -> SalesforceCrm:
        settings = load_settings(
            {},
            {
                **BASE_SETTINGS,
                **sf.settings_overrides(str(key_path) if jwt else ""),
                "salesforce_username_map": f'{{"rep2@demo.example": "{SAM}"}}',
                **overrides,
            },
        )
        engine, http = make_engine(migrated_sqlite(tmp_path / "store.db")), requests.Session()
        opened.append((engine, http))
        return SalesforceCrm.from_settings(settings, engine=engine, http=http)

    yield build
    for engine, http in opened:
        http.close()
        engine.dispose()


@pytest.fixture
def crm(make_crm):
    return make_crm()


def connect(sf, crm, rep: Principal, browser_user: str):
    """Run the web-server flow for `rep` with `browser_user` signing in at Salesforce."""
    verifier, challenge = pkce_pair()
    sf.browser_user = browser_user
    redirect = "https://addin.example/salesforce/callback"
    answer = requests.get(
        crm.auth.authorize_url(redirect, "state-1", challenge), allow_redirects=False, timeout=5
    )
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert query["state"] == ["state-1"]
    return crm.auth.exchange_code(rep, query["code"][0], redirect, verifier)


def inbound(rating=Rating.POSITIVE, message_id="<m9@acme.example>") -> EmailLog:
    return EmailLog(
        message_id,
        "Re: pricing",
        ADA,
        ("rep@demo.example",),
        ("bob@acme.example",),
        datetime(2026, 11, 5, 9, tzinfo=UTC),
        Direction.INBOUND,
        "Looks good",
        rating,
    )


def test_warm_sidebar_open_makes_exactly_one_request(sf, ids, crm):
    crm.find_context(REP, [ADA])  # cold: token + one composite that also loads the org's stages
    assert sf.count() == 2 and len(sf.calls[-1].body["compositeRequest"]) == 5  # the composite query limit
    before = sf.count()
    found = crm.find_context(REP, [ADA, "bob@acme.example"])
    assert (
        sf.count() - before == 1
        and sf.calls[-1].method == "POST"
        and sf.calls[-1].path.endswith("/composite")
    )
    urls = [r["url"].split("?")[0] for r in sf.calls[-1].body["compositeRequest"]]
    assert urls == ["/services/data/v67.0/query"] * 3  # contacts, deals by contact role, deals by account
    assert found[0].deals[0].url.startswith(f"{sf.instance_url}/lightning/r/Opportunity/")


def test_record_type_stages_come_from_ui_api_once_per_ttl(sf, ids, make_crm):
    now = [0.0]
    crm = make_crm()
    crm = SalesforceCrm(crm.client, crm.auth, crm.queries, stage_ttl=3600, clock=lambda: now[0])
    record_type = "012000000000RT1AAA"
    sf.org.record_types[record_type] = ["Problem identified", "Technical fit", "Closed won", "Closed lost"]
    sf.org.tables["Opportunity"][ids["acme-platform"]]["RecordTypeId"] = record_type
    deal = crm.get_deal(REP, ids["acme-platform"])
    assert [s.label for s in deal.stages] == sf.org.record_types[record_type]
    assert sf.count() == 3 and sf.count("ui-api") == 1  # token, read, the record type's picklist
    before = sf.count()
    crm.get_deal(REP, ids["acme-platform"])
    assert sf.count() - before == 1 and sf.count("ui-api") == 1
    now[0] = 3601  # the cached stages expire: reloaded with the next read
    crm.get_deal(REP, ids["acme-platform"])
    assert sf.count("ui-api") == 2
    assert sum("OpportunityStage" in c.args.get("q", "") for c in sf.calls if c.sub) == 2


def test_jwt_grant_is_minted_once_per_rep_with_the_mapped_username(sf, ids, crm):
    for _ in range(2):
        crm.find_context(REP, [ADA])
        crm.open_deals_of(REP2)
    assert sf.jwt_subjects == ["rep@demo.example", SAM]
    claims = jwt.decode(
        crm.auth.assertion(REP2), signing_key().public_pem, algorithms=["RS256"], audience=sf.url
    )
    assert claims["iss"] == crm.auth.client_id and claims["sub"] == SAM
    assert claims["exp"] - datetime.now(UTC).timestamp() <= 180
    assert {d.name for d in crm.open_deals_of(REP2)} == {"Globex pilot"}


def test_expired_session_is_reminted_once_and_the_call_retried(sf, ids, crm):
    crm.find_context(REP, [ADA])
    sf.expire_sessions()
    before = len(sf.calls)
    assert crm.find_context(REP, [ADA])
    assert [c.status for c in sf.calls[before:] if not c.sub] == [401, 200, 200]
    assert sf.jwt_subjects == ["rep@demo.example"] * 2


def test_session_refused_after_the_retry_is_an_auth_error(sf, ids, crm):
    sf.reject_sessions = True
    with pytest.raises(CrmAuthError):
        crm.get_deal(REP, ids["acme-platform"])
    assert sf.count(COMPOSITE) == 2 and len(sf.jwt_subjects) == 2


def test_rep_unknown_to_salesforce_cannot_sign_in(sf, ids, crm):
    with pytest.raises(CrmAuthError):
        crm.find_context(Principal("stranger@demo.example", "oid-x", "tid"), [ADA])


def test_stale_write_with_a_real_change_is_a_conflict_carrying_theirs(sf, ids, crm):
    mine = crm.get_deal(REP, ids["acme-platform"])
    sf.org.update("Opportunity", mine.id, {"NextStep": "Bob's step"})  # another user, a second later
    with pytest.raises(CrmConflict) as caught:
        crm.update_deal(REP, mine.id, DealChanges(mine.version, "Contract sent", "My step"))
    assert caught.value.theirs.next_step == "Bob's step" and caught.value.theirs.stage.id == "Technical fit"
    assert sf.count(PATCH_OPP, sub=True) == 1 and sf.calls[-1].status == 200


def test_stale_write_without_a_real_change_is_retried_once_and_applied(sf, ids, crm):
    mine = crm.get_deal(REP, ids["acme-platform"])
    sf.org.update("Opportunity", mine.id, {"Amount": 1.0})  # a flow touched another field
    done = crm.update_deal(REP, mine.id, DealChanges(mine.version, next_step="Send MSA"))
    assert done.next_step == "Send MSA" and done.amount == 1
    patches = [c for c in sf.calls if c.sub and PATCH_OPP in f"{c.method} {c.path}"]
    assert [c.status for c in patches] == [412, 204] and patches[0].body == {"NextStep": "Send MSA"}
    first, second = (parsedate_to_datetime(c.headers["If-Unmodified-Since"]) for c in patches)
    assert second > first


def test_replayed_write_after_a_lost_response_is_not_a_conflict(sf, ids, crm):
    mine = crm.get_deal(REP, ids["acme-platform"])
    changes = DealChanges(mine.version, "Contract sent", "Send MSA")
    crm.update_deal(REP, mine.id, changes)
    assert crm.update_deal(REP, mine.id, changes).stage.id == "Contract sent"  # the outbox retried it


def test_next_step_over_255_is_refused_before_sending(sf, ids, crm):
    before = sf.count()
    with pytest.raises(CrmRejected, match="255"):
        crm.update_deal(
            REP, ids["acme-platform"], DealChanges("2026-11-20T09:00:00.000+0000|x", next_step="x" * 256)
        )
    assert sf.count() == before


@pytest.mark.parametrize(
    "match, status, code, expected",
    [
        ("POST /services/data/v67.0/composite", 403, "REQUEST_LIMIT_EXCEEDED", CrmUnavailable),
        ("POST /services/data/v67.0/composite", 503, None, CrmUnavailable),
        (PATCH_OPP, 400, "UNABLE_TO_LOCK_ROW", CrmUnavailable),
        (PATCH_OPP, 400, "FIELD_CUSTOM_VALIDATION_EXCEPTION", CrmRejected),
        (PATCH_OPP, 400, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", CrmRejected),
        (PATCH_OPP, 400, "STRING_TOO_LONG", CrmRejected),
        (PATCH_OPP, 404, "ENTITY_IS_DELETED", CrmNotFound),
    ],
)
def test_salesforce_failures_map_to_port_errors(sf, ids, crm, match, status, code, expected):
    mine = crm.get_deal(REP, ids["acme-platform"])
    sf.fail(match, status, code, f"Salesforce says {code}")
    with pytest.raises(expected) as caught:
        crm.update_deal(REP, mine.id, DealChanges(mine.version, next_step="Send MSA"))
    if expected is CrmRejected:
        assert caught.value.message == f"Salesforce says {code}"  # the admin's words reach the rep


def test_timeout_is_unavailable(sf, ids, make_crm):
    crm = make_crm(crm_timeout_seconds=0.2)
    crm.find_context(REP, [ADA])
    sf.delay("/composite", 1.0)
    with pytest.raises(CrmUnavailable):
        crm.find_context(REP, [ADA])


def test_stage_outside_the_picklist_is_rejected_with_salesforce_words(sf, ids, crm):
    mine = crm.get_deal(REP, ids["acme-platform"])
    with pytest.raises(CrmRejected, match="bad value for restricted picklist"):
        crm.update_deal(REP, mine.id, DealChanges(mine.version, "Negotiation"))


def test_deleted_opportunity_is_not_found(sf, ids, crm):
    sf.org.delete(ids["acme-platform"])
    with pytest.raises(CrmNotFound):
        crm.get_deal(REP, ids["acme-platform"])


def test_log_email_inserts_message_and_relations_in_one_composite(sf, ids, crm):
    crm_id = crm.log_email(REP, ids["acme-platform"], inbound())
    assert sf.count(COMPOSITE) == 1
    record = sf.org.tables["EmailMessage"][crm_id]
    assert (record["Status"], record["RelatedToId"], record["Incoming"], record["Addin_Rating__c"]) == (
        "3",
        ids["acme-platform"],
        True,
        "positive",
    )
    expected = hashlib.sha256(f"{ids['acme-platform']}\n<m9@acme.example>".encode()).hexdigest()
    assert (
        record["Addin_Message_Key__c"] == expected == message_key(ids["acme-platform"], " <m9@acme.example>")
    )
    relations = [r for r in sf.org.tables["EmailMessageRelation"].values() if r["EmailMessageId"] == crm_id]
    assert {(r["RelationAddress"], r["RelationType"]) for r in relations} == {
        (ADA, "FromAddress"),
        ("rep@demo.example", "ToAddress"),
        ("bob@acme.example", "CcAddress"),
    }


def test_duplicate_value_on_logging_updates_the_rating_of_the_existing_email(sf, ids, crm):
    first = crm.log_email(REP, ids["acme-platform"], inbound(Rating.POSITIVE))
    second = crm.log_email(REP, ids["acme-platform"], inbound(Rating.NEGATIVE))
    assert first == second
    logged = [
        r for r in sf.org.tables["EmailMessage"].values() if r["MessageIdentifier"] == "<m9@acme.example>"
    ]
    assert [r["Addin_Rating__c"] for r in logged] == ["negative"]
    assert len(sf.org.tables["EmailMessageRelation"]) == 3  # the repeat's relations were rolled back
    patch = next(c for c in sf.calls if c.method == "PATCH" and "EmailMessage" in c.path)
    assert patch.body == {"Addin_Rating__c": "negative"}  # a sent email takes only custom-field updates


def test_same_email_is_logged_once_on_each_deal_whichever_id_form_is_used(sf, ids, crm):
    on_platform = crm.log_email(REP, ids["acme-platform"], inbound())
    on_audit = crm.log_email(REP, ids["initech-audit"], inbound(Rating.NEGATIVE))
    again = crm.log_email(REP, ids["acme-platform"][:15], inbound(Rating.NEGATIVE))  # the 15-character id
    assert on_platform == again != on_audit
    logged = {
        r["RelatedToId"]: r["Addin_Rating__c"]
        for r in sf.org.tables["EmailMessage"].values()
        if r["MessageIdentifier"] == "<m9@acme.example>"
    }
    assert logged == {ids["acme-platform"]: "negative", ids["initech-audit"]: "negative"}


@pytest.mark.parametrize(
    "short, full",
    [
        ("a0RE000000IJmcN", "a0RE000000IJmcNMAT"),
        ("a0D30000001n7Pi", "a0D30000001n7PiEAI"),
        ("AbCdEfGhIjKlMnO", "AbCdEfGhIjKlMnOVKV"),
        ("006000000000017", "006000000000017AAA"),
    ],
)
def test_message_key_uses_the_18_character_opportunity_id(short, full):
    assert id18(short) == id18(full) == full
    assert message_key(short, "<m@x>") == message_key(full, "<m@x>") != message_key(full, "<n@x>")


def test_task_mode_logs_a_completed_email_task_once(sf, ids, make_crm):
    crm = make_crm(salesforce_email_mode="task")
    first = crm.log_email(REP, ids["initech-audit"], inbound(Rating.POSITIVE))
    second = crm.log_email(REP, ids["initech-audit"], inbound(Rating.NEGATIVE))
    tasks = list(sf.org.tables["Task"].values())
    assert first == second and len(tasks) == 1
    task = tasks[0]
    assert (task["TaskSubtype"], task["WhatId"], task["Status"], task["Addin_Rating__c"]) == (
        "Email",
        ids["initech-audit"],
        "Completed",
        "negative",
    )
    assert task["Addin_Message_Key__c"] == message_key(ids["initech-audit"], "<m9@acme.example>")
    activity = crm.get_deal(REP, ids["initech-audit"]).activities[0]
    assert (activity.message_id, activity.direction, activity.rating) == (
        "<m9@acme.example>",
        Direction.INBOUND,
        Rating.NEGATIVE,
    )


def test_web_server_flow_keeps_refresh_tokens_encrypted(sf, ids, make_crm, tmp_path):
    crm = make_crm(jwt=False)
    with pytest.raises(CrmAuthError):
        crm.find_context(REP, [ADA])  # not connected yet
    assert "id" in parse_qs(urlsplit(crm.auth.authorize_url("https://x", "s", "c")).query)["scope"][0].split()
    connect(sf, crm, REP, "rep@demo.example")
    (refresh_token,) = sf.refresh_tokens
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("store.db*"))
    assert b"crm_tokens" in stored and refresh_token.encode() not in stored
    sf.expire_sessions()
    assert make_crm(jwt=False).find_context(REP, [ADA])  # a fresh process refreshes from the stored token
    assert sf.jwt_subjects == []


def test_connection_by_another_salesforce_user_is_revoked_and_not_stored(sf, ids, make_crm):
    crm = make_crm(jwt=False)
    with pytest.raises(WrongAccount) as caught:
        connect(sf, crm, REP2, "rep@demo.example")  # rep2's link, opened by rep in their own browser
    assert (caught.value.signed_in, caught.value.expected) == ("rep@demo.example", SAM)
    assert crm.auth.store.load(REP2.key) is None
    assert sf.refresh_tokens == {} and len(sf.revoked) == 1 and sf.count("POST /services/oauth2/revoke") == 1
    with pytest.raises(CrmAuthError):
        crm.open_deals_of(REP2)


def test_connection_matches_the_mapped_username_ignoring_case(sf, ids, make_crm):
    crm = make_crm(jwt=False, salesforce_username_map=json.dumps({"REP2@demo.example": SAM.upper()}))
    connect(sf, crm, REP2, SAM)
    assert crm.auth.store.load(REP2.key) is not None and sf.revoked == []
    assert sf.count("GET /id/") == 1
    assert {d.name for d in crm.open_deals_of(REP2)} == {"Globex pilot"}


@pytest.mark.parametrize(
    "status, code, expected, kept",
    [
        (429, None, CrmUnavailable, True),
        (503, None, CrmUnavailable, True),
        (400, "invalid_client_id", CrmAuthError, True),  # a set-up fault: reconnecting would not help
        (400, "invalid_grant", CrmAuthError, False),
        (401, "invalid_grant", CrmAuthError, False),
    ],
)
def test_only_invalid_grant_drops_the_stored_connection(sf, ids, make_crm, status, code, expected, kept):
    connect(sf, make_crm(jwt=False), REP, REP.email)
    crm = make_crm(jwt=False)  # a fresh process: the first call refreshes
    sf.fail("/services/oauth2/token", status, code)
    with pytest.raises(expected):
        crm.find_context(REP, [ADA])
    assert (crm.auth.store.load(REP.key) is not None) is kept


def test_concurrent_refreshes_for_one_rep_send_one_and_keep_the_rotated_token(sf, ids, make_crm):
    sf.rotate_refresh_tokens = True
    connect(sf, make_crm(jwt=False), REP, REP.email)
    crm, before = make_crm(jwt=False), sf.count("/services/oauth2/token")
    second_waits, real_lock, asked = threading.Event(), crm.auth._rep_lock, []

    def rep_lock(rep):
        asked.append(rep)
        if len(asked) == 2:  # the second call reached the rep's lock while the first refresh is unanswered
            second_waits.set()
            sf.nudge()
        return real_lock(rep)

    crm.auth._rep_lock = rep_lock
    sf.hold("/services/oauth2/token", second_waits.is_set)  # the first refresh is answered only then
    with ThreadPoolExecutor(2) as pool:
        slow = pool.submit(crm.auth.session, REP)
        until(lambda: sf.held, "the first refresh reaches Salesforce")
        fast = pool.submit(crm.auth.session, REP, True)
        assert slow.result() == fast.result()
    assert sf.count("/services/oauth2/token") - before == 1
    (refresh_token,) = sf.refresh_tokens
    assert crm.auth.store.load(REP.key).refresh_token == refresh_token


def _racing_workers(sf, make_crm):
    sf.rotate_refresh_tokens = True
    connect(sf, make_crm(jwt=False), REP, REP.email)
    return make_crm(jwt=False), make_crm(jwt=False)  # two processes: no shared lock or cache


def test_refresh_refused_after_another_worker_rotated_retries_with_the_newer_token(sf, ids, make_crm):
    worker1, worker2 = _racing_workers(sf, make_crm)
    saved, real_save = threading.Event(), worker2.auth.store.save

    def save(*args):
        real_save(*args)
        saved.set()
        sf.nudge()

    worker2.auth.store.save = save
    # Worker 1's refresh (the old token) is answered once worker 2 has rotated and saved it: invalid_grant.
    sf.hold("/services/oauth2/token", saved.is_set)
    with ThreadPoolExecutor(2) as pool:
        slow = pool.submit(worker1.auth.session, REP)
        until(lambda: sf.held, "worker 1's refresh reaches Salesforce")
        fast = pool.submit(worker2.auth.session, REP)
        assert fast.result() and slow.result()
    (refresh_token,) = sf.refresh_tokens
    assert worker1.auth.store.load(REP.key).refresh_token == refresh_token


def test_a_rotation_answered_but_not_yet_saved_still_keeps_the_rep_connected(sf, ids, make_crm):
    worker1, worker2 = _racing_workers(sf, make_crm)
    before = sf.count("/services/oauth2/token")
    # Worker 1's refusal arrives between worker 2's answer and its save: worker 1 cannot tell a rotation
    # from a revocation and drops the stored token; worker 2's save must keep the rotated one anyway.
    sf.hold("/services/oauth2/token", lambda: sf.count("/services/oauth2/token") > before)
    with ThreadPoolExecutor(2) as pool:
        slow = pool.submit(worker1.auth.session, REP)
        until(lambda: sf.held, "worker 1's refresh reaches Salesforce")
        assert pool.submit(worker2.auth.session, REP).result()
        slow.exception()  # worker 1's answer may be "reconnect": the window is documented
    (refresh_token,) = sf.refresh_tokens
    assert worker2.auth.store.load(REP.key).refresh_token == refresh_token
    assert make_crm(jwt=False).find_context(REP, [ADA]) is not None  # a third worker refreshes fine


def until(condition, what: str, deadline_s: float = 10.0) -> None:
    """Poll `condition` (a state another thread reaches) with a deadline."""
    deadline = time.monotonic() + deadline_s
    while not condition():
        assert time.monotonic() < deadline, f"not reached: {what}"
        time.sleep(0.005)  # polling a condition with a deadline, not sleeping in place of one


def test_limit_info_is_read_and_logged_without_tokens(sf, ids, crm, caplog):
    caplog.set_level(logging.DEBUG, logger="addin_api.crm.salesforce.client")
    assert crm.api_usage() is None  # nothing seen yet
    crm.find_context(REP, [ADA])
    assert crm.client.last_limit_info == f"api-usage={sf.api_calls}/15000"
    assert crm.client.api_usage == (sf.api_calls, 15000)
    assert crm.api_usage() == {
        "used": sf.api_calls,
        "limit": 15000,
        "percent": round(100 * sf.api_calls / 15000, 1),
    }
    assert "api-usage=" in caplog.text and not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert not any(token in caplog.text for token in sf.sessions) and ADA not in caplog.text


def test_api_usage_past_80_percent_is_a_throttled_warning(sf, ids, crm, caplog):
    now = [0.0]
    crm.client.clock = lambda: now[0]
    sf.api_calls = 12_000  # exactly 80% (the token answer); the next API call passes it
    crm.find_context(REP, [ADA])
    crm.find_context(REP, [ADA])
    warnings = [
        r for r in caplog.records if r.levelno == logging.WARNING and r.name.endswith("salesforce.client")
    ]
    assert (
        len(warnings) == 1 and "api_used=12001 api_limit=15000 api_usage_pct=80" in warnings[0].getMessage()
    )
    assert not any(token in caplog.text for token in sf.sessions)
    now[0] = 301  # still high five minutes later: warned again
    crm.find_context(REP, [ADA])
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 2
    assert crm.api_usage()["percent"] == 80.0


def test_multi_currency_org_reads_each_opportunity_currency(make_crm):
    with SalesforceStandin(public_key_pem=signing_key().public_pem, multi_currency=True) as multi:
        multi_ids = multi.load_dataset(DATASET)
        crm = make_crm()
        crm.auth.login_url = multi.url
        crm = SalesforceCrm(crm.client, crm.auth, dataclasses.replace(crm.queries, multi_currency=True))
        assert crm.get_deal(REP, multi_ids["acme-platform"]).currency == "EUR"


@pytest.mark.parametrize(
    "overrides, variable",
    [
        ({"salesforce_business_case_fields": '{"problem": "Problem__c; DELETE"}'}, "BUSINESS_CASE_FIELDS"),
        ({"salesforce_business_case_fields": '{"vision": "Vision__c"}'}, "BUSINESS_CASE_FIELDS"),
        ({"salesforce_rating_field": "Rating__c, Id"}, "RATING_FIELD"),
        ({"salesforce_email_mode": "chatter"}, "EMAIL_MODE"),
        ({"salesforce_username_map": "[1]"}, "USERNAME_MAP"),
        ({"salesforce_private_key_path": "/nonexistent/key.pem"}, "PRIVATE_KEY_PATH"),
        ({"salesforce_client_id": ""}, "CLIENT_ID"),
    ],
)
def test_bad_settings_fail_at_start_up_naming_the_variable(make_crm, overrides, variable):
    with pytest.raises(SettingsError, match=f"ADDIN_SALESFORCE_{variable}"):
        make_crm(**overrides)


def test_many_first_opens_at_once_fetch_a_record_types_stages_once(sf, ids, crm):
    record_type = "012000000000RT1AAA"
    sf.org.record_types[record_type] = ["Problem identified", "Technical fit", "Closed won", "Closed lost"]
    sf.org.tables["Opportunity"][ids["acme-platform"]]["RecordTypeId"] = record_type
    opens = 8
    # The first picklist answer waits until every open has read its deal: all of them then want the stages.
    sf.hold("ui-api", until=lambda: sf.count(COMPOSITE) >= opens)
    barrier = threading.Barrier(opens)

    def first_open():
        barrier.wait()
        return crm.get_deal(REP, ids["acme-platform"])

    with ThreadPoolExecutor(opens) as pool:
        deals = list(pool.map(lambda _: first_open(), range(opens)))

    assert sf.count(COMPOSITE) == opens
    assert sf.count("ui-api") == 1
    assert {tuple(s.label for s in deal.stages) for deal in deals} == {
        tuple(sf.org.record_types[record_type])
    }


def test_a_colleagues_save_in_the_same_second_is_never_overwritten_by_a_one_trip_save(sf, ids, crm):
    mine = crm.get_deal(REP, ids["acme-platform"])
    record = sf.org.get(mine.id)
    # Bob saves 300 ms after the version the rep holds: If-Unmodified-Since (whole seconds) lets it pass.
    record.update(NextStep="Bob's step", LastModifiedDate=record["LastModifiedDate"].replace(".000", ".300"))

    with pytest.raises(CrmConflict) as caught:
        crm.update_deal_checked(REP, mine.id, DealChanges(mine.version, next_step="My step"))

    assert caught.value.theirs.next_step == "Bob's step" and sf.org.get(mine.id)["NextStep"] == "Bob's step"


@pytest.mark.parametrize("carol", [{"Description": "Carol's note"}, {"NextStep": "Carol's step"}])
def test_putting_a_colleagues_value_back_never_overwrites_a_third_save(sf, ids, crm, monkeypatch, carol):
    mine = crm.get_deal(REP, ids["acme-platform"])
    record = sf.org.get(mine.id)
    record.update(NextStep="Bob's step", LastModifiedDate=record["LastModifiedDate"].replace(".000", ".300"))
    real_patch, saved = crm.patch, []

    def carol_saves_first(*args):  # Carol saves between the rep's write and Bob's value going back
        if not saved:
            saved.append(sf.org.update("Opportunity", mine.id, carol))
        return real_patch(*args)

    monkeypatch.setattr(crm, "patch", carol_saves_first)
    with pytest.raises(CrmConflict) as caught:
        crm.update_deal_checked(REP, mine.id, DealChanges(mine.version, next_step="My step"))

    expected = carol.get("NextStep", "Bob's step")  # Bob's value back, unless Carol set the field herself
    assert sf.org.get(mine.id)["NextStep"] == expected and caught.value.theirs.next_step == expected
