"""The pane at phone widths: strangers become deal contacts, right deal first, closing asks, recent emails."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import REP
from tests.fakes import WithoutPeople

WIDTHS = [320, 360]
FLEET, ANALYTICS, QUALITY = (
    "Northwind fleet visibility",
    "Northwind analytics add-on",
    "Fabrikam quality inspection",
)


@pytest.fixture(params=WIDTHS, ids=lambda w: f"{w}px")
def width(request, page):
    """The preview's pane at a phone's width."""
    page.evaluate("w => document.documentElement.style.setProperty('--pane-width', w + 'px')", request.param)
    return request.param


def no_sideways_scroll(pane, width):
    assert pane.frame.locator("html").evaluate("el => el.scrollWidth") <= width, "no sideways scrolling"


def test_unknown_sender_is_added_attached_to_a_deal_and_the_deal_then_shows(pane, served, shot, width):
    pane.open_email("SaaS Summit")
    pane.sign_in()
    expect(pane.text("No deals for this email")).to_be_visible()
    pane.frame.get_by_role("button", name="Add SaaS to the CRM").click()
    expect(pane.frame.get_by_label("Name")).to_have_value("SaaS Summit")  # Outlook's display name
    expect(pane.frame.get_by_label("Company")).to_have_value("Conference")  # from the domain
    pane.frame.get_by_label("Company").fill("Conference Events Ltd")
    pane.frame.get_by_role("button", name="Add contact").click()
    expect(pane.text("✓ SaaS Summit is in the CRM.")).to_be_visible()
    pane.frame.get_by_role("button", name="Add to one of my deals").click()
    pane.frame.get_by_label("Deal").select_option(label=f"{ANALYTICS} · Northwind Logistics")
    pane.frame.get_by_label("Role").select_option("Champion")
    no_sideways_scroll(pane, width)
    shot(f"20-stranger-attach-{width}px")
    pane.frame.get_by_role("button", name="Add to deal").click()
    # The email is reloaded: its sender is now a stakeholder of exactly one deal, which opens directly.
    expect(pane.frame.get_by_role("heading", name=ANALYTICS, exact=True)).to_be_visible()
    expect(pane.text("Not in the CRM")).to_have_count(0)
    people = {(s["email"], s["role"]) for s in served.deal("nw-analytics")["stakeholders"]}
    assert ("events@conference.example", "Champion") in people
    contacts = served.api("GET", "/context?email=events@conference.example").get_json()["contacts"]
    assert [c["contact"]["account_name"] for c in contacts] == ["Conference Events Ltd"]


def test_unknown_sender_gets_a_new_deal(pane, served, width):
    pane.open_email("SaaS Summit")
    pane.sign_in()
    pane.frame.get_by_role("button", name="Add SaaS to the CRM").click()
    pane.frame.get_by_role("button", name="Add contact").click()
    pane.frame.get_by_role("button", name="Create a deal").click()
    pane.frame.get_by_label("Deal name").fill("Summit sponsorship")
    pane.frame.get_by_label("Amount (USD)").fill("12000")
    pane.frame.get_by_label("Close date").fill("2027-01-09")
    no_sideways_scroll(pane, width)
    pane.frame.get_by_role("button", name="Create deal").click()
    expect(pane.frame.get_by_role("heading", name="Summit sponsorship", exact=True)).to_be_visible()
    expect(pane.text("$12,000")).to_be_visible()
    expect(pane.text("Jan 9, 2027")).to_be_visible()
    mine = served.api("GET", "/pipeline").get_json()["deals"]
    [deal] = [d for d in mine if d["name"] == "Summit sponsorship"]
    assert deal["owner_email"] == REP

    # The email itself is not on the new deal yet: Outlook logs it without a rating too.
    pane.frame.get_by_role("button", name="Log without rating").click()
    expect(pane.text("Logged on this deal.")).to_be_visible()
    logged = served.api("GET", f"/deals/{deal['id']}").get_json()["activities"]
    assert [(a["message_id"], a["rating"]) for a in logged] == [
        ("<summit-early-bird@conference.example>", None)
    ]


def test_a_stakeholder_matched_deal_opens_without_a_picker_and_a_pick_is_remembered(pane, width):
    pane.open_email("Maria Rossi")
    pane.sign_in()
    expect(pane.frame.get_by_role("heading", name=QUALITY, exact=True)).to_be_visible()
    expect(pane.text("deals match this email")).to_have_count(0)

    pane.open_email("Nadia Patel")  # Nadia and Leo: stakeholders of two deals, so the rep picks
    expect(pane.text("2 deals match this email")).to_be_visible()
    expect(pane.frame.get_by_role("button", name=FLEET)).to_contain_text("Nadia is Champion")
    pane.pick(ANALYTICS)
    pane.open_email("Maria Rossi")
    expect(pane.frame.get_by_role("heading", name=QUALITY, exact=True)).to_be_visible()
    pane.open_email("Nadia Patel")  # back to the thread: the pick is remembered
    expect(pane.frame.get_by_role("heading", name=ANALYTICS, exact=True)).to_be_visible()
    expect(pane.frame.get_by_role("button", name="← All 2 deals for this email")).to_be_visible()


def test_a_closed_stage_asks_first_and_keeps_the_reason(pane, served, shot, width):
    pane.open_deal("Maria Rossi", QUALITY)
    pane.frame.get_by_label("Stage").select_option(label="Closed lost")
    pane.frame.get_by_role("button", name="Save").click()
    expect(pane.text("Move this deal to Closed lost?")).to_be_visible()
    pane.frame.get_by_role("button", name="Cancel").click()
    assert served.deal("fab-quality")["stage"]["label"] != "Closed lost", "nothing is saved before a yes"

    pane.frame.get_by_role("button", name="Save").click()
    pane.frame.get_by_label("Reason (optional)").fill("Chose a competitor")
    no_sideways_scroll(pane, width)
    shot(f"21-close-confirm-{width}px")
    pane.frame.get_by_role("button", name="Yes, closed lost").click()
    expect(pane.frame.locator(".status-saved")).to_have_text("✓ Saved")
    deal = served.deal("fab-quality")
    assert (deal["stage"]["label"], deal["next_step"]) == ("Closed lost", "Closed lost: Chose a competitor")
    expect(pane.text("Going dark")).to_have_count(0)


def test_the_deal_lists_its_recent_emails(pane, served, shot, width):
    pane.open_deal("Maria Rossi", QUALITY)
    emails = served.deal("fab-quality")["activities"]
    items = pane.frame.locator(".recent-item")
    expect(items).to_have_count(len(emails))
    expect(pane.text(f"Recent emails ({len(emails)})")).to_be_visible()
    first = items.first
    expect(first).to_contain_text(emails[0]["subject"])
    expect(first).to_contain_text("In" if emails[0]["direction"] == "inbound" else "Out")
    no_sideways_scroll(pane, width)
    shot(f"22-recent-emails-{width}px")


def test_a_crm_that_takes_no_people_gets_no_add_buttons(pane, served, width):
    state = served.app.extensions["addin_api"]
    state.crm = WithoutPeople(state.crm)  # before the pane loads its config
    pane.open_email("SaaS Summit")
    pane.sign_in()
    expect(pane.text("Nobody on this email is a contact in the CRM.")).to_be_visible()
    expect(pane.text("Not in the CRM")).to_have_count(0)
    expect(pane.frame.get_by_role("button", name="Add SaaS to the CRM")).to_have_count(0)
