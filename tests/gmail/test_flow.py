"""End to end as Google drives it: events in, strictly parsed cards out, changes in the embedded CRM."""

from __future__ import annotations

import base64
import json
import time
import zlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from addin_api.crm.local import models as m
from addin_api.crm.local.demo_data import REP, REP2
from addin_api.domain import Principal, Rating
from addin_api.gmail.state import CardState, StateSigner
from addin_api.services.drain import drain_once
from tests.keys import SECRET_KEY
from tests.standins.google import BASE_URL, subject_of

MID = "<CAF=nw.42@mail.northwind.example>"
ACTION_URL = f"{BASE_URL}/gmail/action"


def _rep(email: str = REP) -> Principal:
    return Principal(email, subject_of(email), "google")


def _stage_of(screen) -> str:
    (dropdown,) = screen.widgets("selectionInput")
    return next(i["value"] for i in dropdown["items"] if i["selected"])


def _deal_card(addon, email, name="Northwind fleet visibility", user=REP):
    return addon.click(addon.open(email, user=user), name, gmail_id=email, user=user)


def _activities(app, deal_id: str):
    with Session(app.extensions["addin_api"].engine) as s:
        return s.execute(
            select(m.Activity.rating, m.Activity.body).where(
                m.Activity.deal_id == int(deal_id), m.Activity.message_id == MID
            )
        ).all()


def test_open_pick_change_stage_rate_twice_log_and_refresh(app, addon, google, email, crm, deal_ids):
    deal_id, full, metadata = deal_ids["nw-fleet"], google.gmail_calls("full"), google.gmail_calls("metadata")
    context = addon.open(email)
    assert google.gmail_calls("full") == full + 1 and context.has_text("Nadia Patel")
    assert context.has_text("Reads positive"), "the card reads the body when it opens"
    deal = addon.click(context, "Northwind fleet visibility", gmail_id=email)
    assert deal.navigation == "pushCard" and _stage_of(deal) == "technical_fit"
    assert deal.has_text("Reads positive"), "the reading comes along to the deal, without reading again"

    saved = addon.click(deal, "Save", inputs={"stage": "business_case_approved"}, gmail_id=email)
    assert (saved.navigation, saved.notification) == ("updateCard", "Saved")
    assert _stage_of(saved) == "business_case_approved" and saved.has_text(
        "Your change was saved in the CRM."
    )
    assert google.gmail_calls("full") == full + 1, "the body is read on open, then only to log or rate"

    up = addon.click(saved, "👍 Agree", gmail_id=email)  # the email reads positive: agreeing rates it so
    assert up.has_text("Logged on this deal, rated 👍 Positive") and google.gmail_calls("full") == full + 2
    down = addon.click(up, "👎 Disagree", gmail_id=email)
    logged = addon.click(down, "Log email again", gmail_id=email)
    refreshed = addon.click(logged, "Refresh", gmail_id=email)
    assert refreshed.navigation == "updateCard" and refreshed.has_text("rated 👎 Negative")
    assert google.gmail_calls("full") == full + 4 and google.gmail_calls("metadata") == metadata

    assert _activities(app, deal_id) == [("negative", "We are ready to start the pilot.\n-- Nadia")]
    assert crm.writes == [
        ("update_deal", deal_id, {"stage": "business_case_approved"}),
        ("log_email", deal_id, MID, Rating.POSITIVE),
        ("log_email", deal_id, MID, Rating.NEGATIVE),
        ("log_email", deal_id, MID, Rating.NEGATIVE),
    ]


def test_pressing_the_current_rating_again_clears_it(app, addon, email, deal_ids):
    up = addon.click(_deal_card(addon, email), "👍 Agree", gmail_id=email)
    cleared = addon.click(up, "✓ 👍 Agree", gmail_id=email)  # the current rating is marked
    assert cleared.has_text("Logged on this deal, not rated")
    assert [r for r, _ in _activities(app, deal_ids["nw-fleet"])] == [None]


def test_a_double_click_writes_once(addon, email, crm):
    deal = _deal_card(addon, email)
    for _ in range(2):
        addon.click(deal, "Save", inputs={"next_step": "Pilot kickoff on Monday"}, gmail_id=email)
    assert [w[0] for w in crm.writes] == ["update_deal"]


def test_the_homepage_lists_the_pipeline_going_dark_first_and_opens_deals_without_an_email(addon, google):
    home = addon.homepage()
    first = home.card["sections"][0]["widgets"][0]["decoratedText"]
    assert home.navigation == "pushCard" and first["bottomLabel"].startswith("Going dark")
    deal = addon.click(home, first["text"])
    assert deal.widgets("selectionInput") and not deal.has_text("This email")


def test_a_change_made_while_the_crm_is_down_is_queued_then_confirmed_by_check_again(app, addon, email, crm):
    crm.down = True
    queued = addon.click(_deal_card(addon, email), "Save", inputs={"stage": "contract_sent"}, gmail_id=email)
    assert queued.notification == "Saved, syncing to CRM…"  # the Outlook pane's words
    assert queued.has_text("Saved, syncing to CRM…") and not queued.has_text("attempt")
    still = addon.click(queued, "Check again", gmail_id=email)
    assert still.has_text("Saved, syncing to CRM…")

    crm.down = False
    assert drain_once(app.extensions["addin_api"].write_deps())["done"] == 1
    done = addon.click(still, "Check again", gmail_id=email)
    assert done.has_text("Your change was saved in the CRM.") and _stage_of(done) == "contract_sent"


def test_a_change_made_meanwhile_in_the_crm_shows_theirs_vs_yours_and_apply_mine_wins(
    addon, api2, email, crm, deal_ids
):
    deal_id = deal_ids["nw-fleet"]
    deal = _deal_card(addon, email)
    version = api2.get(f"/api/v1/deals/{deal_id}").get_json()["version"]
    theirs = api2.patch(f"/api/v1/deals/{deal_id}", json={"version": version, "stage": "solution_evaluation"})
    assert theirs.status_code == 200

    conflict = addon.click(deal, "Save", inputs={"stage": "contract_sent"}, gmail_id=email)
    assert conflict.card["header"]["title"] == "This deal changed meanwhile"
    assert conflict.has_text("Solution evaluation") and conflict.has_text("Contract sent")
    mine = addon.click(conflict, "Apply mine", gmail_id=email)
    assert _stage_of(mine) == "contract_sent" and mine.has_text("Your change was saved in the CRM.")
    assert crm.writes[-1] == ("update_deal", deal_id, {"stage": "contract_sent"})


def test_keep_theirs_writes_nothing(addon, api2, email, crm, deal_ids):
    deal_id = deal_ids["nw-fleet"]
    deal = _deal_card(addon, email)
    version = api2.get(f"/api/v1/deals/{deal_id}").get_json()["version"]
    api2.patch(f"/api/v1/deals/{deal_id}", json={"version": version, "next_step": "Their plan"})
    theirs_only = list(crm.writes)
    conflict = addon.click(deal, "Save", inputs={"next_step": "My plan"}, gmail_id=email)
    kept = addon.click(conflict, "Keep theirs", gmail_id=email)
    assert kept.notification == "Kept the values in the CRM."
    assert [t["value"] for t in kept.widgets("textInput")] == ["Their plan"] and crm.writes == theirs_only


def test_a_tampered_card_state_is_refused_and_nothing_is_written(addon, email, crm, deal_ids):
    deal = _deal_card(addon, email)
    action = deal.action_of("Save")
    params = {p["key"]: p["value"] for p in action["parameters"]}
    compressed = params["state"].startswith(".")  # itsdangerous zlib-compresses when that is shorter
    payload, rest = params["state"].removeprefix(".").split(".", 1)
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    data = json.loads(zlib.decompress(raw) if compressed else raw)
    data["d"] = deal_ids["contoso-clinics"]
    params["state"] = base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=") + "." + rest
    screen = addon.call(
        ACTION_URL, addon.event(gmail_id=email, parameters=params, inputs={"stage": "contract_sent"})
    )
    assert screen.card is None and "could not be verified" in screen.notification
    assert crm.writes == []


def test_an_expired_card_state_is_refused_and_nothing_is_written(addon, email, crm, deal_ids):
    old = StateSigner(SECRET_KEY, clock=lambda: time.time() - 3 * 3600)
    state = old.sign(_rep(), CardState(deal_id=deal_ids["nw-fleet"], version="1.x", message_id=MID))
    event = addon.event(
        gmail_id=email,
        parameters={"action": "on_save_deal", "state": state},
        inputs={"stage": "contract_sent"},
    )
    screen = addon.call(ACTION_URL, event)
    assert "too old" in screen.notification and crm.writes == []


def test_another_reps_card_is_refused(addon, email, crm):
    deal = _deal_card(addon, email)
    screen = addon.click(deal, "Save", inputs={"stage": "contract_sent"}, gmail_id=email, user=REP2)
    assert "another session" in screen.notification and crm.writes == []


def test_a_rep_who_does_not_own_the_deal_sees_it_read_only_and_cannot_write(addon, google, crm, deal_ids):
    google.add_message(
        "18f2b0000000cafe", "<q3@mail.contoso.example>", "Budget", "omar@contoso.example", [REP2]
    )
    deal = _deal_card(addon, "18f2b0000000cafe", "Contoso clinic scheduling", user=REP2)
    assert not deal.widgets("selectionInput")
    assert deal.has_text("Only Riley Rep and the deal team can change this deal.")
    state = CardState(
        deal_id=deal_ids["contoso-clinics"], version="1.x", message_id="<q3@mail.contoso.example>"
    )
    forged = StateSigner(SECRET_KEY).sign(
        _rep(REP2), state
    )  # a valid card state: only the rights check stops it
    event = addon.event(
        REP2, "18f2b0000000cafe", {"action": "on_save_deal", "state": forged}, {"stage": "contract_sent"}
    )
    screen = addon.call(ACTION_URL, event)
    assert (
        screen.notification == "Only Riley Rep and the deal team can change this deal." and crm.writes == []
    )


def test_a_next_step_over_255_characters_is_refused_with_the_reason(addon, email, crm):
    screen = addon.click(_deal_card(addon, email), "Save", inputs={"next_step": "x" * 256}, gmail_id=email)
    assert screen.notification == "At most 255 characters (256 given)." and crm.writes == []


def test_an_unknown_action_is_a_notification(addon):
    screen = addon.call(ACTION_URL, addon.event(parameters={"action": "os.system", "state": "x"}))
    assert screen.card is None and "no longer supported" in screen.notification


def test_gmail_refusing_the_message_is_an_error_card_not_an_http_error(addon, google, email):
    event = addon.event(gmail_id=email)
    event["gmail"]["accessToken"] = "expired-access-token"
    screen = addon.call(f"{BASE_URL}/gmail/message", event)
    assert screen.navigation == "pushCard" and screen.has_text(
        "Gmail did not let the add-on read this email."
    )


def test_a_crm_outage_on_read_is_an_error_card(addon, crm):
    crm.reads_down = True
    screen = addon.homepage()
    assert screen.has_text("The CRM is not reachable right now. Try again in a moment.")
