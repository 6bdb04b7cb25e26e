"""Capture from Microsoft 365 via the Graph stand-in into the embedded CRM: counts, increments, resumes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from addin_api.crm.local.models import CapturedCounts
from addin_api.domain import CapturedActivity
from tests.capture.conftest import NOW, REP, REP2, ago


def seed(graph) -> dict:
    """Two reps' mailboxes: buyer mail, our replies, a stranger, colleagues, and meetings; the event ids."""
    graph.add_message(REP, "inbox", "<in1@acme.example>", "ada@acme.example", [REP], ago(10))
    graph.add_message(REP, "inbox", "<in2@acme.example>", "ada@acme.example", [REP, REP2], ago(5))
    graph.add_message(REP, "inbox", "<in3@acme.example>", "Ada@Acme.example", [REP], ago(1))
    graph.add_message(REP, "inbox", "<spam@stranger.example>", "who@stranger.example", [REP], ago(2))
    graph.add_message(REP, "inbox", "<memo@demo.example>", REP2, [REP], ago(2))
    graph.add_message(REP, "sentitems", "<out1@demo.example>", REP, ["ada@acme.example"], ago(9))
    graph.add_message(REP, "sentitems", "<out2@demo.example>", REP, ["ada@acme.example"], ago(4))
    graph.add_message(REP, "sentitems", "<lunch@demo.example>", REP, [REP2], ago(3))
    # rep2 got the same buyer email (cc): one email, counted once
    graph.add_message(REP2, "inbox", "<in2@acme.example>", "ada@acme.example", [REP, REP2], ago(5))
    graph.add_message(REP2, "inbox", "<g1@globex.example>", "gina@globex.example", [REP2], ago(30))
    held = graph.add_event(REP, "uid-held", REP, ["ada@acme.example"], ago(3))
    upcoming = graph.add_event(REP, "uid-next", REP, ["ada@acme.example", REP2], NOW + timedelta(days=7))
    graph.add_event(REP2, "uid-next", REP, ["ada@acme.example", REP2], NOW + timedelta(days=7))
    graph.add_event(REP, "uid-internal", REP, [REP2], ago(1))
    return {"held": held, "upcoming": upcoming}


FIRST = {
    "acme": CapturedActivity(3, 2, ago(1), ago(4), 1, NOW + timedelta(days=7)),
    "globex": CapturedActivity(1, 0, ago(30), None, 0, None),
}


def test_first_pass_counts_match_the_mailboxes_and_ignore_strangers_and_colleagues(capture_env):
    seed(capture_env.graph)
    result = capture_env.run()
    assert {k: capture_env.counts(k) for k in FIRST} == FIRST
    assert result.deals_written == 2 and not result.failed_mailboxes
    # headers only: every message request asked for header fields, never the body
    mail_calls = [c for c in capture_env.graph.calls("full") if c["folder"] != "calendar"]
    assert mail_calls and all(c["select"] and "body" not in c["select"] for c in mail_calls)
    # the embedded CRM keeps the counts too
    with Session(capture_env.crm.engine) as s:
        kept = s.get(CapturedCounts, int(capture_env.deals["acme"]))
    assert (kept.inbound_count, kept.outbound_count, kept.meetings_held) == (3, 2, 1)


def test_second_pass_changes_exactly_the_new_messages_and_the_cancelled_meeting(capture_env):
    ids = seed(capture_env.graph)
    capture_env.run()
    g = capture_env.graph
    g.add_message(REP, "inbox", "<in4@acme.example>", "ada@acme.example", [REP], NOW - timedelta(hours=2))
    g.add_message(
        REP, "sentitems", "<out3@demo.example>", REP, ["ada@acme.example"], NOW - timedelta(hours=1)
    )
    g.add_message(REP2, "inbox", "<g2@globex.example>", "gina@globex.example", [REP2], ago(2))
    g.cancel_event(REP, ids["upcoming"])
    result = capture_env.run()
    assert result.items_added == 3 and result.deals_written == 2
    assert capture_env.counts("acme") == CapturedActivity(
        4, 3, NOW - timedelta(hours=2), NOW - timedelta(hours=1), 1, None
    )
    assert capture_env.counts("globex") == CapturedActivity(2, 0, ago(2), None, 0, None)


def test_a_pass_with_nothing_new_changes_nothing_and_asks_once_per_folder(capture_env):
    seed(capture_env.graph)
    capture_env.run()
    before = len(capture_env.graph.requests)
    result = capture_env.run()
    assert (result.items_added, result.deals_written) == (0, 0)
    assert {k: capture_env.counts(k) for k in FIRST} == FIRST
    again = capture_env.graph.requests[before:]
    assert len(again) == 2 * 3 and {c["kind"] for c in again} == {"delta"}  # 2 mailboxes × 3 folders


def test_a_deleted_meeting_is_removed(capture_env):
    ids = seed(capture_env.graph)
    capture_env.run()
    capture_env.graph.delete_event(REP, ids["held"])
    capture_env.run()
    assert capture_env.counts("acme").meetings_held == 0


class _CrashAfter:
    """A source that dies (as a killed process would) after handing out `pages` pages in total."""

    def __init__(self, source, pages: int):
        self.source, self.left = source, pages
        self.name, self.folders = source.name, source.folders

    def pages(self, mailbox, folder, cursor):
        for page in self.source.pages(mailbox, folder, cursor):
            if self.left == 0:
                raise KeyboardInterrupt("killed between pages")
            self.left -= 1
            yield page


@pytest.mark.parametrize("crash_after", [1, 2, 4])
def test_a_crash_between_pages_resumes_from_the_cursor_without_double_counting(capture_env, crash_after):
    seed(capture_env.graph)
    with pytest.raises(KeyboardInterrupt):
        capture_env.run(source=_CrashAfter(capture_env.source, crash_after))
    full_before = len(capture_env.graph.calls("full"))
    capture_env.run()
    assert {k: capture_env.counts(k) for k in FIRST} == FIRST
    # the folder that was interrupted resumed from its stored next link instead of starting over
    assert len(capture_env.graph.calls("full")) - full_before < 6


def test_an_expired_delta_link_triggers_one_full_resync(capture_env):
    seed(capture_env.graph)
    capture_env.run()
    capture_env.graph.log.expire(REP)
    capture_env.graph.add_message(REP, "inbox", "<in5@acme.example>", "ada@acme.example", [REP], ago(0.5))
    full_before = len(capture_env.graph.calls("full"))
    result = capture_env.run()
    assert result.resyncs == 3  # REP's three folders, once each
    assert len({(c["mailbox"], c["folder"]) for c in capture_env.graph.calls("full")[full_before:]}) == 3
    assert capture_env.counts("acme").inbound_count == 4  # the resync counted nothing twice


def test_throttling_is_waited_out_as_retry_after_says(capture_env):
    seed(capture_env.graph)
    capture_env.graph.log.throttle(retry_after=7, times=2)
    capture_env.run()
    assert capture_env.waits == [7.0, 7.0]
    assert {k: capture_env.counts(k) for k in FIRST} == FIRST


def test_throttling_longer_than_the_bound_leaves_the_mailbox_for_the_next_pass(capture_env):
    seed(capture_env.graph)
    capture_env.graph.log.throttle(retry_after=3600, times=1)
    result = capture_env.run()
    assert capture_env.waits == [] and result.failed_mailboxes == [REP2]  # the first mailbox read
    capture_env.run()
    assert {k: capture_env.counts(k) for k in FIRST} == FIRST


def test_excluded_addresses_and_domains_are_ignored(capture_env):
    seed(capture_env.graph)
    capture_env.run(exclude=("acme.example",))
    assert capture_env.counts("acme") is None
    assert capture_env.counts("globex") == FIRST["globex"]
