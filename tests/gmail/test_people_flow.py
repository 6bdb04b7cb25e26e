"""Gmail on par with the pane: people not in the CRM, Save for stage changes, closed stages ask first."""

from __future__ import annotations

from addin_api.crm.local.demo_data import REP
from tests.fakes import WithoutPeople
from tests.gmail.test_flow import _deal_card, _stage_of

STRANGER_ID = "18f2c0000000beef"


def _stranger_email(google) -> str:
    google.add_message(
        STRANGER_ID, "<intro-1@woodgrove.example>", "Intro", "Mia Jones <mia.jones@woodgrove.example>", [REP]
    )
    return STRANGER_ID


def _added(addon, google):
    email = _stranger_email(google)
    context = addon.open(email)
    assert (
        context.has_text("Not in the CRM") and context.has_text("Mia Jones") and context.has_text("Woodgrove")
    )
    form = addon.click(context, "Add to the CRM", gmail_id=email)
    assert [(t["name"], t["value"]) for t in form.widgets("textInput")] == [
        ("name", "Mia Jones"),
        ("company", "Woodgrove"),
    ]
    added = addon.click(
        form, "Add contact", inputs={"name": "Mia Jones", "company": "Woodgrove Bank"}, gmail_id=email
    )
    assert added.notification == "Contact added" and added.has_text("Mia Jones is in the CRM.")
    return email, added


def test_a_stranger_is_added_and_put_on_one_of_my_deals(addon, google, crm, deal_ids):
    email, added = _added(addon, google)
    deal_id = deal_ids["nw-analytics"]
    deal = addon.click(added, "Add to deal", inputs={"deal": deal_id, "role": "Champion"}, gmail_id=email)
    assert deal.card["header"]["title"] == "Northwind analytics add-on" and deal.has_text("Mia Jones")
    assert crm.writes == [
        ("add_contact", "mia.jones@woodgrove.example"),
        ("add_stakeholder", deal_id, "mia.jones@woodgrove.example", "Champion"),
    ]
    # Back on her email: she is a stakeholder of exactly one deal, so it opens without a list first.
    again = addon.open(email)
    assert again.card["header"]["title"] == "Northwind analytics add-on"
    every = addon.click(again, "All deals for this email", gmail_id=email)
    assert every.has_text("Mia is Champion") and not every.has_text("Not in the CRM")


def test_a_stranger_gets_a_new_deal_formatted_as_in_outlook(addon, google, crm):
    email, added = _added(addon, google)
    inputs = {
        "deal_name": "Woodgrove pilot",
        "new_stage": "problem_identified",
        "amount": "184000",
        "close_date": "2027-01-09",
        "deal_role": "Champion",
    }
    deal = addon.click(added, "Create deal", inputs=inputs, gmail_id=email)
    assert deal.card["header"] == {"title": "Woodgrove pilot", "subtitle": "Woodgrove Bank"}
    assert deal.has_text("$184,000") and deal.has_text("Jan 9, 2027") and deal.notification == "Saved"
    bad = addon.click(added, "Create deal", inputs={**inputs, "close_date": "9/1/27"}, gmail_id=email)
    assert bad.card is None and bad.notification.startswith("Close date:")
    assert [w[0] for w in crm.writes] == ["add_contact", "create_deal"]


def test_a_stage_change_needs_save_and_a_closed_stage_asks_first(addon, email, crm, deal_ids):
    deal = _deal_card(addon, email)
    (dropdown,) = deal.widgets("selectionInput")
    assert "onChangeAction" not in dropdown
    ask = addon.click(deal, "Save", inputs={"stage": "closed_lost"}, gmail_id=email)
    assert ask.card["header"]["title"] == "Move this deal to Closed lost?" and crm.writes == []
    cancelled = addon.click(ask, "Cancel", gmail_id=email)
    assert _stage_of(cancelled) == "technical_fit" and crm.writes == []
    ask = addon.click(cancelled, "Save", inputs={"stage": "closed_lost"}, gmail_id=email)
    done = addon.click(ask, "Yes, closed lost", inputs={"close_reason": "Budget cut"}, gmail_id=email)
    assert done.notification == "Saved" and _stage_of(done) == "closed_lost"
    assert not done.has_text("Going dark"), "a closed deal does not go dark"
    assert crm.writes == [
        (
            "update_deal",
            deal_ids["nw-fleet"],
            {"stage": "closed_lost", "next_step": "Closed lost: Budget cut"},
        )
    ]


def test_saving_with_nothing_changed_writes_nothing(addon, email, crm):
    screen = addon.click(_deal_card(addon, email), "Save", inputs={"stage": "technical_fit"}, gmail_id=email)
    assert screen.notification == "Nothing changed." and crm.writes == []


def test_a_crm_that_takes_no_people_offers_no_add_button(addon, google, app):
    state = app.extensions["addin_api"]
    state.crm = WithoutPeople(state.crm)
    context = addon.open(_stranger_email(google))
    assert not context.has_text("Not in the CRM") and not context.has_text("Add to the CRM")
