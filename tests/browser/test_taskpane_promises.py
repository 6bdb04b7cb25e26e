"""The taskpane keeps its promises in Chromium: conflicts show all that moved, parked saves ask to connect,
polling a queued change ends, and unsaved edits survive moving between emails."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from addin_api.services.drain import drain_once
from tests.browser.conftest import REP2, SCREENSHOTS, Pane

NADIA, MARIA = "Nadia Patel", "Maria Rossi"
FLEET, ADD_ON, QUALITY = (
    "Northwind fleet visibility",
    "Northwind analytics add-on",
    "Fabrikam quality inspection",
)
COMPARED = ("stage", "next_step", "amount", "close_date")
STILL_SYNCING = "Still syncing — it will be delivered in the background."


def value_of(deal: dict, field: str):
    """A compared field of a DealSchema body, as the conflict body names it."""
    return deal["stage"]["id"] if field == "stage" else deal.get(field)


def contract_conflict(before: dict, changed_by: str, changed_at: str, delivered: list):
    """Pass PATCH answers through; a 409 from a server that predates the contract's `also_changed` gets it
    (and who/when) filled in from its own `theirs`, per the contract. `delivered` collects the 409 bodies."""

    def handle(route):
        response = route.fetch()
        body = response.json()
        conflict = body.get("conflict") if response.status == 409 else None
        if conflict is not None and "also_changed" not in conflict:
            theirs = body["theirs"]
            conflict["also_changed"] = {
                f: {"theirs": value_of(theirs, f)}
                for f in COMPARED
                if f not in conflict["fields"] and value_of(theirs, f) != value_of(before, f)
            }
            conflict.setdefault("changed_by", changed_by)
            conflict.setdefault("changed_at", changed_at)
        if conflict is not None:
            delivered.append(body)
        route.fulfill(response=response, json=body)

    return handle


@pytest.fixture
def clocked(context, served):
    """The preview page with Playwright's fake clock installed (time flows until the test moves it)."""
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.clock.install()
    tab.goto(f"{served.url}/preview")
    yield tab
    assert not errors, f"JavaScript errors in the page: {errors}"


def test_the_conflict_view_shows_a_stage_that_moved_while_the_rep_edited_only_the_next_step(
    pane, page, served, shot
):
    pane.open_deal(NADIA, FLEET)
    before = served.deal("nw-fleet")
    changed_at = datetime.now(UTC).isoformat()
    theirs = served.api(
        "PATCH",
        f"/deals/{before['id']}",
        REP2,
        json={"version": before["version"], "stage": "closed_lost", "next_step": "Sam's plan"},
    )
    assert theirs.status_code == 200, theirs.get_json()
    delivered: list[dict] = []
    page.route(
        re.compile(rf"/api/v1/deals/{before['id']}$"),
        contract_conflict(before, "Sam Seller", changed_at, delivered),
    )

    step = pane.frame.get_by_label("Next step")
    step.fill("Riley's plan")
    pane.frame.get_by_role("button", name="Save").click()
    conflict = pane.frame.get_by_role("alert")
    expect(conflict).to_contain_text("Someone else changed this deal")
    expect(conflict.get_by_role("row", name="Next step").locator("td")).to_have_text(
        ["Riley's plan", "Sam's plan"]  # yours, theirs
    )
    also = conflict.get_by_role("table", name="Also changed")
    expect(also.get_by_role("row")).to_have_count(1)
    expect(also.get_by_role("row", name="Stage").locator("td")).to_have_text("Closed lost")
    said = delivered[0]["conflict"]
    if said.get("changed_by"):
        expect(conflict).to_contain_text(f"by {said['changed_by']}")
    # The form shows the deal as it is now; the rep's own value is kept in the "Yours" column above.
    expect(pane.frame.get_by_label("Stage")).to_have_value("closed_lost")
    expect(step).to_have_value("Sam's plan")
    assert pane.frame.locator("html").evaluate("el => el.scrollWidth") <= 320, "no sideways scroll at 320 px"
    shot("12-conflict-also-changed")

    conflict.get_by_role("button", name="Apply mine").click()
    expect(pane.frame.locator(".status-saved")).to_have_text("✓ Saved")
    crm = served.deal("nw-fleet")
    assert (crm["stage"]["id"], crm["next_step"]) == ("closed_lost", "Riley's plan")
    expect(pane.frame.get_by_label("Stage")).to_have_value("closed_lost")  # as the CRM has it, not as before
    expect(step).to_have_value("Riley's plan")
    expect(step).to_be_focused()


def test_keep_theirs_after_a_conflict_drops_the_reps_edit_from_the_form(pane, served):
    pane.open_deal(NADIA, FLEET)
    deal = served.deal("nw-fleet")
    served.api(
        "PATCH", f"/deals/{deal['id']}", REP2, json={"version": deal["version"], "next_step": "Theirs"}
    )
    step = pane.frame.get_by_label("Next step")
    step.fill("Mine")
    pane.frame.get_by_role("button", name="Save").click()
    pane.frame.get_by_role("button", name="Keep theirs").click()
    expect(step).to_have_value("Theirs")
    expect(pane.frame.get_by_role("button", name="Save")).to_be_disabled()
    assert served.deal("nw-fleet")["next_step"] == "Theirs"


def test_saves_refused_for_the_reps_crm_session_ask_to_connect_with_the_count(pane, served, shot):
    pane.open_deal(NADIA, FLEET)
    banner = pane.frame.locator("#connect-banner")
    expect(banner).to_be_empty()  # nothing waits for a connection yet
    served.state.crm.auth_expired = True
    pane.frame.get_by_label("Next step").fill("Sent once I reconnect")
    pane.frame.get_by_role("button", name="Save").click()
    expect(banner.locator(".banner-text")).to_have_text("Connect your CRM to deliver 1 pending change")
    expect(pane.frame.locator(".status-needs_connect")).to_contain_text("once you connect")
    expect(pane.text("Not saved yet")).to_be_hidden()  # kept by the server, not lost

    pane.frame.get_by_role("button", name="← All 2 deals for this email").click()
    pane.pick(ADD_ON)
    pane.frame.get_by_label("Next step").fill("Also sent once I reconnect")
    pane.frame.get_by_role("button", name="Save").click()
    expect(banner.locator(".banner-text")).to_have_text("Connect your CRM to deliver 2 pending changes")
    shot("13-connect-to-deliver")

    banner.get_by_role("button", name="Connect").click()
    # The embedded CRM has no per-rep connection: the banner says so and still offers the button.
    expect(banner).to_contain_text(
        "This CRM is connected by your administrator; there is nothing to connect."
    )
    expect(banner.get_by_role("button", name="Connect")).to_be_focused()
    served.state.crm.auth_expired = False


def test_on_load_the_pane_shows_changes_still_waiting_for_a_connection(pane, page, served):
    # Answered as the contract says (GET /changes?state=needs_connect), whether or not this server has it yet.
    waiting = [
        {"id": str(n), "state": "needs_connect", "op": "update_deal", "deal_id": "1", "attempts": 0,
         "updated_at": "2026-01-05T09:00:00+00:00", "reason": None, "conflict": None}
        for n in (7, 8, 9)
    ]  # fmt: skip
    page.route(
        re.compile(r"/api/v1/changes\?state=needs_connect$"),
        lambda route: route.fulfill(json={"changes": waiting, "total": 3}),
    )
    pane.open_email(NADIA)
    pane.sign_in()
    banner = pane.frame.locator("#connect-banner")
    expect(banner.locator(".banner-text")).to_have_text("Connect your CRM to deliver 3 pending changes")
    expect(banner.get_by_role("button", name="Connect")).to_be_visible()
    expect(pane.frame.get_by_role("button", name=FLEET)).to_be_visible()  # deals still load


def test_polling_a_queued_change_stops_after_two_minutes_and_says_so(clocked, served):
    pane = Pane(clocked)
    pane.open_deal(NADIA, FLEET)
    polls: list[str] = []
    clocked.on("request", lambda r: polls.append(r.url) if "/api/v1/changes/" in r.url else None)
    served.state.crm.down = True
    pane.frame.get_by_label("Next step").fill("Queued while the CRM is down")
    pane.frame.get_by_role("button", name="Save").click()
    expect(pane.text("Saved, syncing to CRM…")).to_be_visible()

    clocked.clock.fast_forward("02:01")
    expect(pane.text(STILL_SYNCING)).to_be_visible()
    expect(pane.text("Not saved yet")).to_be_hidden()  # it is saved: the server delivers it
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    clocked.locator("#taskpane").screenshot(
        path=str(SCREENSHOTS / "15-still-syncing.png"), animations="disabled"
    )
    asked = len(polls)
    assert 1 <= asked <= 20

    served.state.crm.down = False
    assert drain_once(served.state.write_deps())["done"] == 1  # delivered in the background
    clocked.clock.fast_forward("10:00")
    frame = clocked.locator("#taskpane").element_handle().content_frame()
    frame.evaluate("() => fetch('/healthz').then(() => true)")  # anything a timer started is sent by now
    assert len(polls) == asked, "the pane stopped asking"
    expect(pane.text(STILL_SYNCING)).to_be_visible()
    assert served.deal("nw-fleet")["next_step"] == "Queued while the CRM is down"


def test_an_unsaved_edit_survives_switching_email_and_a_save_clears_it(pane, served, shot):
    pane.open_deal(NADIA, FLEET)
    step = pane.frame.get_by_label("Next step")
    step.fill("Call Leo on Friday")
    expect(pane.text("Not saved yet")).to_be_visible()

    pane.open_email(MARIA)
    pane.pick(QUALITY)
    expect(pane.frame.get_by_label("Next step")).to_have_value(
        "Site visit in Lyon"
    )  # another deal, untouched
    pane.open_email(NADIA)
    pane.pick(FLEET)
    expect(step).to_have_value("Call Leo on Friday")
    expect(pane.text("Not saved yet")).to_be_visible()
    shot("14-unsaved-edit-kept")
    assert served.deal("nw-fleet")["next_step"] != "Call Leo on Friday", "nothing was saved yet"

    pane.frame.get_by_role("button", name="Save").click()
    expect(pane.frame.locator(".status-saved")).to_have_text("✓ Saved")
    expect(step).to_be_focused()
    expect(pane.text("Not saved yet")).to_be_hidden()
    assert served.deal("nw-fleet")["next_step"] == "Call Leo on Friday"

    step.press("End")
    step.type(" at 10")
    expect(pane.frame.locator(".status-saved")).to_have_count(0)  # "✓ Saved" no longer describes the form
    expect(pane.text("Not saved yet")).to_be_visible()
