"""Views are pure: domain and service objects in, cards out; every card passes Google's strict Card parse."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from google.protobuf.json_format import ParseError

from addin_api import domain as d
from addin_api.gmail import views
from addin_api.gmail.gmail_api import parse_message
from addin_api.services.changes import ChangeStatus
from addin_api.services.views import ContactView, view_of
from tests.factories import make_deal
from tests.gmail.conftest import Screen, strict_card

REP = d.Principal("rep@demo.example", "1001", "google", "Riley Rep")
OTHER = d.Principal("someone@demo.example", "1002", "google")
MSG = "<CAF=nw.42@mail.northwind.example>"
NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
STAGES = (
    d.Stage("problem_identified", "Problem identified", probability=10),
    d.Stage("technical_fit", "Technical fit", probability=45),
    d.Stage("contract_sent", "Contract sent", probability=85),
)


def _deal(**kw) -> d.Deal:
    return make_deal(
        **{
            "id": "7",
            "name": "Northwind fleet visibility",
            "account_name": "Northwind Logistics",
            "stage": STAGES[1],
            "stages": STAGES,
            "amount": Decimal("184000"),
            "currency": "USD",
            "close_date": date(2026, 6, 30),
            "next_step": "Security questionnaire",
            "owner_email": REP.email,
            "probability": 45,
            "version": "3.abc",
            "url": "https://crm.example/deals/7",
            "stakeholders": (d.Stakeholder("1", "Nadia Patel", "nadia@northwind.example", "Champion", True),),
            "business_case": d.BusinessCase(problem="Late trucks", budget="FY27"),
            "stats": d.ActivityStats(3, 2, NOW - timedelta(days=30), NOW - timedelta(days=1)),
            **kw,
        }
    )


def _view(rep=REP, **kw):
    return view_of(_deal(**kw), rep, 21, NOW)


def _links() -> views.Links:
    # A readable stand-in for the signer: the state as JSON, so tests can see what a button carries.
    return views.Links(
        "https://addin.example.test/gmail/action",
        lambda state: json.dumps({k: v for k, v in vars(state).items() if v is not None}),
    )


def _screen(card: dict) -> Screen:
    strict_card(card)
    return Screen({"action": {"navigations": [{"pushCard": card}]}})


def _state(screen: Screen, label: str) -> dict:
    params = {p["key"]: p["value"] for p in screen.action_of(label)["parameters"]}
    return {"handler": params["action"], **json.loads(params["state"])}


def _change(state: str, **kw) -> ChangeStatus:
    return ChangeStatus("c-1", state, kw.pop("op", "update_deal"), "7", kw.pop("attempts", 1), NOW, **kw)


def test_the_stage_dropdown_offers_only_the_deals_stages_with_the_current_one_selected():
    screen = _screen(views.deal_card(_view(), _links(), MSG))
    (dropdown,) = screen.widgets("selectionInput")
    assert dropdown["type"] == "DROPDOWN"
    assert [(i["value"], i["selected"]) for i in dropdown["items"]] == [
        ("problem_identified", False),
        ("technical_fit", True),
        ("contract_sent", False),
    ]
    assert "onChangeAction" not in dropdown, "a stage is saved with the Save button, never on change"
    assert _state(screen, "Save") == {
        "handler": "on_save_deal",
        "deal_id": "7",
        "version": "3.abc",
        "message_id": MSG,
        "stage": "technical_fit",
        "next_step": "Security questionnaire",
    }


def test_the_next_step_input_is_limited_to_255_characters():
    screen = _screen(views.deal_card(_view(), _links(), MSG))
    (text_input,) = screen.widgets("textInput")
    assert text_input["value"] == "Security questionnaire"
    assert text_input["validation"] == {"characterLimit": 255, "inputType": "TEXT"}


def test_the_deal_card_shows_amount_close_date_owner_stakeholders_case_health_and_a_crm_link():
    screen = _screen(views.deal_card(_view(), _links(), MSG))
    for text in (
        "$184,000",
        "Jun 30, 2026",
        "Riley Rep",
        "Nadia Patel",
        "Champion (primary)",
        "Late trucks",
        "3 from the buyer · 2 from us",
        "Going dark: 30 days without a reply",
    ):
        assert screen.has_text(text), text
    assert screen.action_of("Refresh")
    crm = [b for s in screen.widgets("buttonList") for b in s["buttons"] if b["text"] == "Open in CRM"]
    assert crm[0]["onClick"] == {"openLink": {"url": "https://crm.example/deals/7"}}


@pytest.mark.parametrize("rating, up_label", [(None, "👍 Positive"), (d.Rating.POSITIVE, "✓ 👍 Positive")])
def test_rating_buttons_show_the_current_rating_and_pressing_it_again_clears_it(rating, up_label):
    activity = d.EmailActivity(MSG, "Re: pilot", d.Direction.INBOUND, NOW, rating)
    screen = _screen(views.deal_card(_view(activities=(activity,)), _links(), MSG))
    buttons = [b for s in screen.widgets("buttonList") for b in s["buttons"]]
    assert not [b for b in buttons if "type" in b], "button types are for Chat apps, not Workspace add-ons"
    up = _state(screen, up_label)
    assert up["handler"] == "on_rate_email" and up["rating"] == ("" if rating else "positive")
    assert _state(screen, "👎 Negative")["rating"] == "negative"


def test_without_an_open_email_there_is_nothing_to_rate_or_log():
    screen = _screen(views.deal_card(_view(), _links(), None))
    assert not screen.has_text("This email")


def test_a_deal_the_rep_may_not_edit_is_read_only():
    screen = _screen(views.deal_card(_view(rep=OTHER), _links(), MSG))
    assert not screen.widgets("selectionInput") and not screen.widgets("textInput")
    assert screen.has_text("Only Riley Rep and the deal team can change this deal.")
    assert not screen.has_text("This email")


def test_crm_text_is_escaped_because_google_reads_card_text_as_html():
    screen = _screen(views.deal_card(_view(name="Acme <b>&</b> Co", next_step="x"), _links(), MSG))
    assert screen.has_text("Acme <b>&</b> Co")  # the header title is plain text
    (row,) = [w for w in screen.texts() if "Late" in w]
    assert row == "Late trucks"
    read_only = _screen(views.deal_card(_view(rep=OTHER, next_step="<script>"), _links(), MSG))
    assert read_only.has_text("&lt;script&gt;")


def test_a_saved_change_says_so():
    screen = _screen(views.change_card(_change("done"), _view(), _links(), MSG))
    assert screen.has_text("Your change was saved in the CRM.")


def test_a_queued_change_shows_its_state_and_a_check_again_button():
    screen = _screen(views.change_card(_change("queued", reason="CRM timed out"), _view(), _links(), MSG))
    assert screen.has_text("Saved, syncing to CRM…") and not screen.has_text("attempt")
    assert _state(screen, "Check again") == {
        "handler": "on_check_change",
        "change_id": "c-1",
        "deal_id": "7",
        "message_id": MSG,
    }


def test_a_queued_change_is_shown_even_when_the_deal_cannot_be_read():
    screen = _screen(views.change_card(_change("queued"), None, _links(), MSG))
    assert screen.has_text("Saved, syncing to CRM…")


def test_a_rejected_change_shows_the_crms_own_words():
    change = _change("rejected", reason="FIELD_CUSTOM_VALIDATION_EXCEPTION: Close date must be in the future")
    screen = _screen(views.change_card(change, _view(), _links(), MSG))
    assert screen.has_text("Close date must be in the future") and screen.has_text(
        "Not saved: the CRM refused it"
    )


def test_a_conflict_shows_theirs_and_yours_and_lets_the_rep_choose():
    conflict = {
        "fields": {
            "stage": {"yours": "contract_sent", "theirs": "technical_fit"},
            "next_step": {"yours": "Send contract", "theirs": "Call legal"},
        },
        "current_version": "4.def",
    }
    theirs = _view(next_step="Call legal", version="4.def")
    screen = _screen(views.change_card(_change("conflict", conflict=conflict), theirs, _links(), MSG))
    assert screen.has_text("Contract sent") and screen.has_text("Technical fit")
    assert screen.has_text("Send contract") and screen.has_text("Call legal")
    assert _state(screen, "Keep theirs") == {
        "handler": "on_resolve_conflict",
        "deal_id": "7",
        "message_id": MSG,
        "choice": "theirs",
    }
    assert _state(screen, "Apply mine") == {
        "handler": "on_resolve_conflict",
        "deal_id": "7",
        "message_id": MSG,
        "choice": "mine",
        "version": "4.def",
        "stage": "contract_sent",
        "next_step": "Send contract",
    }


def test_the_email_context_lists_each_deal_once_under_the_first_contact_on_it():
    deal = _view()
    contacts = [
        ContactView(d.Contact("1", "nadia@northwind.example", "Nadia Patel", "VP Ops", "Northwind"), (deal,)),
        ContactView(d.Contact("2", "leo@northwind.example", "Leo Brandt", "IT", "Northwind"), (deal,)),
    ]
    screen = _screen(views.context_card(contacts, "Re: fleet pilot", MSG, _links()))
    assert screen.texts().count("Northwind fleet visibility") == 1
    assert screen.has_text("Their open deals are listed above.")
    assert _state(screen, "Northwind fleet visibility") == {
        "handler": "on_pick_deal",
        "deal_id": "7",
        "message_id": MSG,
    }


def test_an_email_without_crm_contacts_says_so():
    screen = _screen(views.context_card([], "Lunch?", MSG, _links()))
    assert screen.has_text("No CRM contacts on this email")


def test_the_pipeline_lists_deals_in_the_order_given_with_their_health():
    dark, fine = (
        _view(),
        _view(id="8", name="Contoso renewal", stats=d.ActivityStats(1, 1, NOW - timedelta(days=2))),
    )
    screen = _screen(views.pipeline_card([dark, fine], _links()))
    rows = [w["decoratedText"] for w in screen.card["sections"][0]["widgets"]]
    assert [r["text"] for r in rows] == ["Northwind fleet visibility", "Contoso renewal"]
    assert (
        rows[0]["bottomLabel"].startswith("Going dark") and rows[1]["bottomLabel"] == "Buyer wrote 2 days ago"
    )


def test_no_card_uses_a_snake_case_key_or_an_unknown_field():
    for card in (
        views.deal_card(_view(), _links(), MSG),
        views.pipeline_card([], _links()),
        views.error_card("Gmail did not answer."),
        views.deal_card(_view(rep=OTHER), _links(), MSG),
    ):
        strict_card(card)


def test_the_strict_parse_rejects_what_google_would_reject():
    with pytest.raises(ParseError, match="bogus"):
        strict_card({"sections": [{"widgets": [{"bogus": {}}]}]})
    with pytest.raises(AssertionError, match="snake_case"):
        strict_card({"sections": [{"widgets": [{"text_paragraph": {"text": "x"}}]}]})
    with pytest.raises(ParseError, match="DROPDOWNX"):
        strict_card({"sections": [{"widgets": [{"selectionInput": {"type": "DROPDOWNX"}}]}]})


def test_gmail_messages_are_read_by_rfc_message_id_with_case_insensitive_headers_and_a_latin1_body():
    body = base64.urlsafe_b64encode("Grüße aus Köln".encode("latin-1")).decode().rstrip("=")
    message = parse_message(
        {
            "internalDate": "1714813200000",
            "payload": {
                "mimeType": "multipart/mixed",
                "headers": [
                    {"name": "Message-Id", "value": " <x1@mail.example> "},
                    {"name": "FROM", "value": "Nadia <N@X.example>"},
                    {"name": "To", "value": 'rep@demo.example, "Leo, IT" <leo@x.example>'},
                    {"name": "Date", "value": "not a date"},
                ],
                "parts": [
                    {
                        "mimeType": "multipart/alternative",
                        "parts": [
                            {"mimeType": "text/html", "body": {"data": "PGI-PC9iPg"}},
                            {
                                "mimeType": "text/plain",
                                "headers": [
                                    {"name": "Content-Type", "value": "text/plain; charset=ISO-8859-1"}
                                ],
                                "body": {"data": body},
                            },
                        ],
                    }
                ],
            },
        },
        with_body=True,
    )
    assert message.message_id == "<x1@mail.example>" and message.from_address == "n@x.example"
    assert message.to == ("rep@demo.example", "leo@x.example") and message.body == "Grüße aus Köln"
    assert message.sent_at == datetime(2024, 5, 4, 9, 0, tzinfo=UTC)  # Gmail's internalDate as fallback


def test_headers_only_never_carry_a_body():
    data = {
        "payload": {
            "headers": [{"name": "Subject", "value": "Hi"}],
            "parts": [{"mimeType": "text/plain", "body": {"data": "SGk"}}],
        }
    }
    assert parse_message(data).body == "" and parse_message(data).participants == []


@pytest.mark.parametrize(
    "date_header",
    ["Fri, 31 Dec 9999 23:00:00 -0500", "Mon, 1 Jan 1601 00:00:00 +0500", "Sat, 1 Jan 1972 00:00:00 +0000"],
)
def test_an_absurd_date_header_is_replaced_by_the_received_time_with_a_note(date_header):
    message = parse_message(
        {
            "internalDate": "1714813200000",
            "payload": {"mimeType": "text/plain", "headers": [{"name": "Date", "value": date_header}]},
        }
    )
    assert message.sent_at == datetime.fromtimestamp(1714813200, tz=UTC)
    assert "the time it was received is used" in message.date_note


def test_a_plausible_date_header_is_kept_without_a_note():
    message = parse_message(
        {
            "internalDate": "1714813200000",
            "payload": {"headers": [{"name": "Date", "value": "Sat, 4 May 2024 10:00:00 +0200"}]},
        }
    )
    assert message.sent_at == datetime(2024, 5, 4, 8, 0, tzinfo=UTC) and message.date_note is None


def test_a_change_parked_until_the_rep_reconnects_says_so():
    screen = _screen(views.change_card(_change("needs_connect"), _view(), _links(), MSG))
    assert "Reconnect your CRM" in " ".join(screen.texts())


READING = d.Sentiment(-0.86, "negative", (("budget was reallocated", -4.5), ("on hold", -3.75)))


def test_the_deal_card_shows_how_the_open_email_reads_with_agree_and_disagree_before_rating():
    screen = _screen(views.deal_card(_view(), _links(), MSG, reading=READING))
    assert screen.has_text("Reads negative (-0.86)") and screen.has_text("budget was reallocated, on hold")
    agree = _state(screen, "👍 Agree")  # agreeing with a negative reading rates the email negative
    assert agree["handler"] == "on_rate_email" and agree["rating"] == "negative"
    assert _state(screen, "👎 Disagree")["rating"] == "positive"
    assert agree["reading"] == [-0.86, "negative", [["budget was reallocated", -4.5], ["on hold", -3.75]]]


def test_a_neutral_reading_keeps_the_plain_positive_and_negative_buttons():
    neutral = d.Sentiment(0.05, "neutral", ())
    screen = _screen(views.deal_card(_view(), _links(), MSG, reading=neutral))
    assert screen.has_text("Reads neutral (+0.05)") and not screen.has_text("👍 Agree")
    assert _state(screen, "👍 Positive")["rating"] == "positive"
    assert _state(screen, "👎 Negative")["rating"] == "negative"


def test_recent_emails_show_direction_rating_and_how_each_read():
    acts = (d.EmailActivity("<1@x>", "Budget news", d.Direction.INBOUND, NOW, d.Rating.NEGATIVE, READING),)
    screen = _screen(views.deal_card(_view(activities=acts), _links(), MSG))
    assert screen.has_text("Budget news") and screen.has_text("↘ In")
    assert screen.has_text("👎 Negative · Reads negative")


def test_the_message_card_offers_agree_or_disagree_when_the_email_belongs_to_one_deal():
    contact = d.Contact("1", "nadia@northwind.example", "Nadia Patel")
    screen = _screen(
        views.context_card([ContactView(contact, (_view(),))], "Re: pilot", MSG, _links(), reading=READING)
    )
    assert screen.has_text("Reads negative (-0.86)") and screen.has_text("Because of: budget was reallocated")
    assert _state(screen, "👍 Agree")["deal_id"] == "7"
    two = [ContactView(contact, (_view(), _view(id="8", name="Northwind analytics")))]
    screen = _screen(views.context_card(two, "Re: pilot", MSG, _links(), reading=READING))
    assert screen.has_text("Open a deal below to agree or disagree with this reading.")


def test_the_deal_card_shows_each_warning_in_words_and_the_tone_as_a_sparkline():
    acts = tuple(
        d.EmailActivity(f"<{i}@x>", "Re", d.Direction.INBOUND, NOW - timedelta(days=5 - i), None, s)
        for i, s in enumerate((d.Sentiment(0.9, "positive", ()), d.Sentiment(0.0, "neutral", ()), READING))
    )
    screen = _screen(views.deal_card(_view(activities=acts), _links(), MSG))
    assert screen.has_text(
        "A recent email from the buyer reads strongly negative: budget was reallocated, on hold."
    )
    assert screen.has_text("█▅▁") and screen.has_text("Latest reads negative (-0.86)")
    assert screen.has_text("Going dark: 30 days without a reply")
