"""The taskpane in real Chromium: the open email's deals, honest save feedback, ratings, conflicts."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from addin_api.services.drain import drain_once
from tests.browser.conftest import OFFICE_CDN, REP, REP2
from tests.standins.idp import CLIENT_ID, TENANT

NADIA, PAUL, MARIA = "Nadia Patel", "Paul Martin", "Maria Rossi"
FLEET, QUALITY = "Northwind fleet visibility", "Fabrikam quality inspection"
FLEET_MESSAGE_ID = "<nw-fleet.in0@mail.demo.example>"  # the preview's Nadia email
QUALITY_MESSAGE_ID = "<fab-quality.in0@mail.demo.example>"  # the preview's Maria email


def activities_of(deal: dict, message_id: str) -> list[dict]:
    """The deal's logged activities for one Message-ID."""
    return [a for a in deal["activities"] if a["message_id"] == message_id]


def test_open_email_shows_its_deals_and_a_stage_change_reaches_the_crm(pane, served, shot):
    pane.open_email(NADIA)
    expect(pane.frame.get_by_role("button", name="Sign in")).to_be_visible()
    shot("01-signed-out")
    pane.sign_in()
    expect(pane.text("2 deals match this email")).to_be_visible()
    expect(pane.frame.get_by_role("button", name=FLEET)).to_be_visible()
    expect(pane.frame.get_by_role("button", name="Northwind analytics add-on")).to_be_visible()
    shot("02-deal-picker")
    pane.pick(FLEET)
    before = served.deal("nw-fleet")
    stage = pane.frame.get_by_label("Stage")
    expect(stage.locator("option")).to_have_text([s["label"] for s in before["stages"]])
    expect(stage).to_have_value(before["stage"]["id"])
    expect(pane.text("Going dark")).to_have_count(0)
    expect(pane.text("3 inbound")).to_be_visible()
    assert pane.frame.locator("html").evaluate("el => el.scrollWidth") <= 320, (
        "no sideways scrolling at 320 px"
    )
    shot("03-deal-320px")

    stage.select_option(label="Business case approved")
    pane.frame.get_by_label("Next step").fill("Send the security answers to Leo")
    expect(pane.text("32/255")).to_be_visible()
    pane.frame.get_by_role("button", name="Save").click()
    expect(pane.frame.locator(".status-saved")).to_have_text("✓ Saved")
    shot("04-saved")

    after = served.deal("nw-fleet")
    assert after["stage"]["id"] == "business_case_approved"
    assert after["next_step"] == "Send the security answers to Leo"
    assert after["version"] != before["version"]


def test_rating_up_then_down_leaves_one_activity_with_the_latest_rating(pane, served, shot):
    pane.open_deal(MARIA, QUALITY)
    positive = pane.frame.get_by_role("button", name="Positive")
    negative = pane.frame.get_by_role("button", name="Negative")
    expect(positive).to_have_attribute("aria-pressed", "false")
    positive.click()
    expect(pane.text("you rated this email positive")).to_be_visible()
    expect(positive).to_have_attribute("aria-pressed", "true")
    negative.click()
    expect(pane.text("you rated this email negative")).to_be_visible()
    expect(negative).to_have_attribute("aria-pressed", "true")
    expect(positive).to_have_attribute("aria-pressed", "false")
    pane.page.get_by_role("button", name="450 px").click()
    shot("05-rated-450px")
    shot("00-preview-page", whole_page=True)

    logged = activities_of(served.deal("fab-quality"), QUALITY_MESSAGE_ID)
    assert len(logged) == 1 and logged[0]["rating"] == "negative"


def test_a_save_while_the_crm_is_down_shows_syncing_then_done_after_the_drain(pane, served, shot):
    pane.open_deal(NADIA, FLEET)
    served.state.crm.down = True
    pane.frame.get_by_label("Next step").fill("Call Grace about budget")
    pane.frame.get_by_role("button", name="Save").click()
    expect(pane.text("Saved, syncing to CRM…")).to_be_visible()
    shot("06-syncing")
    assert served.deal("nw-fleet")["next_step"] != "Call Grace about budget", "not in the CRM yet"

    served.state.crm.down = False
    assert drain_once(served.state.write_deps())["done"] == 1
    expect(pane.text("Saved to CRM")).to_be_visible()  # the pane polled the change
    shot("07-synced")
    assert served.deal("nw-fleet")["next_step"] == "Call Grace about budget"


def test_a_conflict_shows_theirs_and_yours_and_apply_mine_wins(pane, served, shot):
    pane.open_deal(NADIA, FLEET)
    deal = served.deal("nw-fleet")
    theirs = served.api(
        "PATCH", f"/deals/{deal['id']}", REP2, json={"version": deal["version"], "next_step": "Sam's plan"}
    )
    assert theirs.status_code == 200, theirs.get_json()

    pane.frame.get_by_label("Next step").fill("Riley's plan")
    pane.frame.get_by_role("button", name="Save").click()
    conflict = pane.frame.get_by_role("alert")
    expect(conflict).to_contain_text("Someone else changed this deal")
    expect(conflict.get_by_role("row", name="Next step").locator("td")).to_have_text(
        ["Riley's plan", "Sam's plan"]  # yours, theirs
    )
    shot("08-conflict")
    conflict.get_by_role("button", name="Apply mine").click()
    expect(pane.frame.locator(".status-saved")).to_be_visible()
    assert served.deal("nw-fleet")["next_step"] == "Riley's plan"


def test_keep_theirs_shows_their_values_and_writes_nothing(pane, served):
    pane.open_deal(NADIA, FLEET)
    deal = served.deal("nw-fleet")
    served.api(
        "PATCH",
        f"/deals/{deal['id']}",
        REP2,
        json={"version": deal["version"], "stage": "solution_evaluation"},
    )
    pane.frame.get_by_label("Stage").select_option(label="Contract sent")
    pane.frame.get_by_role("button", name="Save").click()
    pane.frame.get_by_role("button", name="Keep theirs").click()
    expect(pane.frame.get_by_label("Stage")).to_have_value("solution_evaluation")
    expect(pane.text("Kept their version")).to_be_visible()
    assert served.deal("nw-fleet")["stage"]["id"] == "solution_evaluation"


def test_a_crm_refusal_is_shown_in_its_own_words(pane, served, shot):
    pane.open_deal(NADIA, FLEET)
    served.state.crm.reject_with = "Stage changes need manager approval"
    pane.frame.get_by_label("Stage").select_option(label="Contract sent")
    pane.frame.get_by_role("button", name="Save").click()
    expect(pane.text("The CRM refused the change: Stage changes need manager approval")).to_be_visible()
    shot("09-refused")


def test_the_pinned_pane_follows_the_selection_and_drops_stale_answers(pane, page, served, shot):
    pane.open_deal(NADIA, FLEET)
    held = []
    nadia_context = re.compile(r"/api/v1/context\?email=nadia")
    page.route(nadia_context, lambda route: held.append(route))
    pane.open_email(MARIA)  # ItemChanged → Maria's deals
    pane.open_email(NADIA)  # ItemChanged → Nadia again, but her answer is held back
    pane.open_email(PAUL)  # ItemChanged → Paul, while Nadia's answer is still in flight
    expect(pane.frame.get_by_role("button", name="Tailspin booking CRM sync")).to_be_visible()
    assert len(held) == 1
    with page.expect_response(nadia_context):
        held[0].continue_()
    frame = page.locator("#taskpane").element_handle().content_frame()
    frame.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
    expect(pane.text("Redlines from legal")).to_be_visible()
    expect(pane.frame.get_by_role("button", name=FLEET)).to_have_count(0)

    pane.frame.get_by_role("button", name="Tailspin AI itinerary assistant").click()
    expect(pane.text("View only: Sam Seller and the deal team can change this deal.")).to_be_visible()
    expect(pane.frame.get_by_role("button", name="Positive")).to_have_count(0)
    shot("10-read-only")

    page.get_by_role("button", name="Clear selection").click()  # ItemChanged with no item
    expect(pane.text("Select an email")).to_be_visible()


def test_a_save_in_flight_finishes_against_its_own_deal_after_the_rep_moves_on(pane, page, served):
    pane.open_deal(NADIA, FLEET)
    served.state.crm.down = True
    pane.frame.get_by_label("Next step").fill("Book the Thursday call")
    pane.frame.get_by_role("button", name="Save").click()
    expect(pane.text("Saved, syncing to CRM…")).to_be_visible()
    pane.open_email(MARIA)
    pane.pick(QUALITY)
    served.state.crm.down = False
    drain_once(served.state.write_deps())
    expect(pane.frame.locator(".toast")).to_have_text(f"{FLEET}: Saved to CRM")
    expect(pane.frame.get_by_role("heading", name=QUALITY, exact=True)).to_be_visible()
    assert served.deal("nw-fleet")["next_step"] == "Book the Thursday call"
    assert served.deal("fab-quality")["next_step"] == "Site visit in Lyon"


def test_my_pipeline_lists_open_deals_going_dark_first(pane, served, shot):
    pane.open_email(MARIA)
    pane.sign_in()
    pane.frame.get_by_role("tab", name="My pipeline").click()
    deals = served.api("GET", "/pipeline").get_json()["deals"]
    # The rep's own deals under "My pipeline" first, deals they are only on the team of under "Team deals".
    expected = [d["name"] for d in deals if d["owner_email"] == REP] + [
        d["name"] for d in deals if d["owner_email"] != REP
    ]
    cards = pane.frame.locator(".pipeline .choice-name")
    expect(cards).to_have_text(expected)
    first = pane.frame.locator(".pipeline .choice").first
    expect(first).to_contain_text("Going dark")
    shot("11-pipeline")
    first.click()
    expect(pane.frame.get_by_role("heading", name=expected[0], exact=True)).to_be_visible()
    pane.frame.get_by_role("button", name="← My pipeline").click()
    expect(cards).to_have_count(len(expected))


def test_a_keyboard_only_rep_can_pick_a_deal_and_save(pane, page, served):
    pane.open_email(NADIA)
    pane.sign_in()
    fleet = pane.frame.get_by_role("button", name=FLEET)
    expect(fleet).to_be_visible()
    fleet.focus()
    page.keyboard.press("Enter")
    title = pane.frame.get_by_role("heading", name=FLEET, exact=True)
    expect(title).to_be_focused()
    page.keyboard.press("Tab")  # the CRM link
    page.keyboard.press("Tab")
    expect(pane.frame.get_by_label("Stage")).to_be_focused()
    page.keyboard.press("Tab")
    expect(pane.frame.get_by_label("Next step")).to_be_focused()
    page.keyboard.type(" (by keyboard)")
    page.keyboard.press("Enter")  # a new line: the next step has several
    page.keyboard.type("then the order form")
    page.keyboard.press("Tab")
    expect(pane.frame.get_by_role("button", name="Save")).to_be_focused()
    page.keyboard.press("Enter")
    expect(pane.frame.locator(".status-saved")).to_be_visible()
    assert served.deal("nw-fleet")["next_step"].endswith("(by keyboard)\nthen the order form")


# --- sign-in as in Outlook: nested app authentication ---------------------------------------------------

OFFICE_IN_OUTLOOK = """
window.Office = {
  EventType: { ItemChanged: "olkItemSelectedChanged" }, CoercionType: { Text: "text" },
  AsyncResultStatus: { Succeeded: "succeeded" }, MailboxEnums: { RestVersion: { v2_0: "v2.0" } },
  onReady: async () => ({ host: "Outlook", platform: "OfficeOnline" }),
  context: {
    requirements: { isSetSupported: (name) => name === "Mailbox" || name === "NestedAppAuth" },
    mailbox: {
      userProfile: { emailAddress: "rep@demo.example", displayName: "Riley Rep" },
      item: { itemType: "message", itemId: "AAMk/1", subject: "Re: security questionnaire",
              from: { emailAddress: "nadia@northwind.example", displayName: "Nadia Patel" },
              to: [{ emailAddress: "rep@demo.example", displayName: "Riley Rep" }], cc: [],
              internetMessageId: "<naa-test@northwind.example>", dateTimeCreated: new Date() },
      addHandlerAsync() {}, convertToRestId: (id) => id,
    },
  },
};
"""
# MSAL as NAA behaves for a rep who has not consented yet: silent needs interaction, the popup succeeds.
MSAL_NESTED = """
window.msalCalls = [];
class InteractionRequiredAuthError extends Error {}
let signedIn = false;
window.msal = {
  InteractionRequiredAuthError,
  async createNestablePublicClientApplication(config) {
    msalCalls.push(["create", config.auth.clientId, config.auth.authority]);
    return {
      async acquireTokenSilent(request) {
        msalCalls.push(["silent", request.scopes.join(" ")]);
        if (!signedIn) throw new InteractionRequiredAuthError("interaction_required");
        return { accessToken: "%(token)s", idToken: "not-for-apis" };
      },
      async acquireTokenPopup(request) {
        msalCalls.push(["popup", request.scopes.join(" ")]);
        signedIn = true;
        return { accessToken: "%(token)s", idToken: "not-for-apis" };
      },
    };
  },
};
"""


def test_in_outlook_the_pane_signs_in_with_nested_app_auth_and_sends_the_api_token(
    context, served_entra, idp
):
    token = idp.mint(email=REP)
    context.route(
        OFFICE_CDN, lambda route: route.fulfill(content_type="text/javascript", body=OFFICE_IN_OUTLOOK)
    )
    context.route(
        "**/vendor/msal/*",
        lambda route: route.fulfill(content_type="text/javascript", body=MSAL_NESTED % {"token": token}),
    )
    tab = context.new_page()
    bearers = []
    tab.on(
        "request", lambda r: bearers.append(r.headers.get("authorization")) if "/api/v1/" in r.url else None
    )
    tab.goto(f"{served_entra.url}/taskpane.html")
    # No click: Outlook brokers the popup. Nadia is a stakeholder of one deal only, so it opens directly.
    expect(tab.get_by_role("heading", name=FLEET, exact=True)).to_be_visible()

    scope = f"api://{CLIENT_ID}/access_as_user"
    calls = tab.evaluate("() => window.msalCalls")
    assert calls[:3] == [
        ["create", CLIENT_ID, f"{idp.authority}/{TENANT}"],
        ["silent", scope],
        ["popup", scope],
    ]
    assert bearers and set(bearers) == {f"Bearer {token}"}, (
        "the access token for our API scope, never the ID token"
    )


def test_outside_outlook_and_without_demo_mode_the_pane_says_where_to_open_it(context, served_entra):
    tab = context.new_page()
    tab.goto(f"{served_entra.url}/taskpane.html")
    expect(tab.get_by_role("heading", name="Open this add-in from Outlook")).to_be_visible()
    expect(tab.get_by_role("tab")).to_have_count(0)  # nothing to switch to, so no tabs that do nothing
    assert tab.goto(f"{served_entra.url}/preview").status == 404


def test_the_config_tells_the_pane_how_to_sign_in(served, served_entra, idp):
    demo = served.app.test_client().get("/taskpane/config.json").get_json()
    assert demo["mode"] == "demo" and demo["demoTokenUrl"].startswith("/dev-idp/")
    assert [r["email"] for r in demo["demoReps"]] == [REP, REP2]

    entra = served_entra.app.test_client().get("/taskpane/config.json").get_json()
    assert entra == {
        "mode": "naa",
        "clientId": CLIENT_ID,
        "apiScope": f"api://{CLIENT_ID}/access_as_user",
        "authority": f"{idp.authority}/{TENANT}",
        "serverReadsBody": False,
        "nextStepMax": 255,
        "addsPeople": True,
    }


def test_a_lost_crm_connection_offers_to_connect_and_says_why_it_cannot(pane, served):
    served.state.crm.auth_expired = True
    pane.open_email(NADIA)
    pane.sign_in()
    expect(pane.text("Connect your CRM account")).to_be_visible()
    expect(pane.text("Your CRM connection needs to be renewed.")).to_be_visible()
    pane.frame.get_by_role("button", name="Connect").click()
    # The embedded CRM has no per-rep connection: the pane says so instead of opening a dead window.
    expect(
        pane.text("This CRM is connected by your administrator; there is nothing to connect.")
    ).to_be_visible()
    served.state.crm.auth_expired = False
