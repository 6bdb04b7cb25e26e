"""ADDIN_CAPTURE_LOG_EMAILS: each captured email is logged on its deal as the pane does, once, rating kept."""

from __future__ import annotations

import functools

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from addin_api.crm.local import models as m
from addin_api.domain import Direction, EmailLog, Principal, Rating
from addin_api.services import writes
from addin_api.store.db import make_session_factory
from addin_api.store.ledger import Ledger
from addin_api.store.outbox import Outbox
from tests.capture.conftest import REP, REP2, ago, graph_source
from tests.capture.test_capture_microsoft import seed
from tests.standins.idp import TENANT

PANE_REP = Principal(REP, "oid-rep", TENANT, "Rep", TENANT)  # the rep as the pane signs them in


@pytest.fixture
def logging_env(capture_env):
    """The capture set-up with the better level on: bodies asked for, emails logged through the outbox."""
    capture_env.source = graph_source(capture_env.graph, capture_env.waits, capture_log_emails=True)
    sessions = make_session_factory(capture_env.crm.engine)
    outbox = Outbox(sessions)
    capture_env.write_deps = writes.WriteDeps(
        capture_env.crm, outbox, backoff_seconds=0, ledger=Ledger(sessions)
    )
    capture_env.log_email = functools.partial(writes.log_captured_email, capture_env.write_deps)
    return capture_env


def _activities(env, key: str) -> dict[str, tuple[str | None, str, str]]:
    """Message-ID → (rating, direction, body) of every email logged on a deal in the embedded CRM."""
    with Session(env.crm.engine) as s:
        rows = s.scalars(select(m.Activity).where(m.Activity.deal_id == int(env.deals[key])))
        return {a.message_id: (a.rating, a.direction, a.body) for a in rows}


def test_a_first_pass_logs_each_matched_email_once_on_its_deal_with_its_text(logging_env):
    seed(logging_env.graph)
    result = logging_env.run(log_email=logging_env.log_email)
    acme = _activities(logging_env, "acme")
    assert set(acme) == {
        "<in1@acme.example>",
        "<in2@acme.example>",
        "<in3@acme.example>",
        "<out1@demo.example>",
        "<out2@demo.example>",
    }
    assert acme["<in1@acme.example>"] == (None, "inbound", "secret body")
    assert acme["<out1@demo.example>"][1] == "outbound"
    # rep2 got in2 too but may not change Acme's deal; their own deal's email is logged as them
    assert set(_activities(logging_env, "globex")) == {"<g1@globex.example>"}
    assert result.emails_logged == 6
    # the body was asked for because the flag is on
    mail_calls = [c for c in logging_env.graph.calls("full") if c["folder"] != "calendar"]
    assert mail_calls and all("body" in c["select"].split(",") for c in mail_calls)


def test_a_second_pass_logs_nothing_new_and_a_new_email_once(logging_env):
    seed(logging_env.graph)
    logging_env.run(log_email=logging_env.log_email)
    assert logging_env.run(log_email=logging_env.log_email).emails_logged == 0
    logging_env.graph.add_message(REP, "inbox", "<in4@acme.example>", "ada@acme.example", [REP], ago(0.5))
    assert logging_env.run(log_email=logging_env.log_email).emails_logged == 1
    assert len(_activities(logging_env, "acme")) == 6


def test_an_email_the_rep_rated_before_capture_keeps_its_rating(logging_env):
    seed(logging_env.graph)
    rated = EmailLog(
        "<in2@acme.example>", "Re: rollout", "ada@acme.example", (REP,), (REP2,), ago(5), Direction.INBOUND
    )
    rated = EmailLog(**{**rated.__dict__, "rating": Rating.POSITIVE})
    done = writes.log_email(logging_env.write_deps, PANE_REP, logging_env.deals["acme"], rated)
    assert done.change.state == "done"
    result = logging_env.run(log_email=logging_env.log_email)
    assert _activities(logging_env, "acme")["<in2@acme.example>"][0] == "positive"
    assert result.emails_logged == 5  # in2 was logged by the rep already: only the other five


def test_an_email_captured_then_rated_stays_one_activity_with_the_rating(logging_env):
    seed(logging_env.graph)
    logging_env.run(log_email=logging_env.log_email)
    captured = EmailLog(
        "<in1@acme.example>",
        "Hi",
        "ada@acme.example",
        (REP,),
        (),
        ago(10),
        Direction.INBOUND,
        "",
        Rating.NEGATIVE,
    )
    writes.log_email(logging_env.write_deps, PANE_REP, logging_env.deals["acme"], captured)
    logging_env.graph.log.expire(REP)  # a full resync sees every email again
    logging_env.run(log_email=logging_env.log_email)
    acme = _activities(logging_env, "acme")
    assert len(acme) == 5 and acme["<in1@acme.example>"][0] == "negative"


def test_a_capture_log_delivered_after_the_rep_rated_does_not_clear_the_rating(logging_env):
    """The rep rates while capture's log of the same email waits in the outbox: the rating wins."""
    deps, deal_id = logging_env.write_deps, logging_env.deals["acme"]
    email = EmailLog("<late@acme.example>", "Hi", "ada@acme.example", (REP,), (), ago(1), Direction.INBOUND)
    capture_rep = Principal(REP, REP, "capture", org="capture")
    # the rep's rating and then capture's copy wait in the outbox (the CRM was down)
    rated = EmailLog(**{**email.__dict__, "rating": Rating.POSITIVE})
    for rep, payload in (
        (PANE_REP, writes.email_payload(rated)),
        (capture_rep, {**writes.email_payload(email), writes.CAPTURED: True}),
    ):
        row, _ = deps.outbox.record(rep, "local", deal_id, writes.LOG_EMAIL, payload, None, None, deps.lease)
        deps.outbox.release(row)
    # the drain delivers them in order: the rating, then capture's copy, which finds the email logged
    for _ in range(2):
        for head in deps.outbox.due_heads("local"):
            assert deps.outbox.claim(head, deps.lease)
            assert writes.apply_row(deps, head).change.state == "done"
    assert _activities(logging_env, "acme")["<late@acme.example>"][0] == "positive"
