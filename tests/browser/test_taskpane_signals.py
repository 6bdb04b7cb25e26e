"""The taskpane's signals in real Chromium: the open email's tone before rating, agree / disagree, warnings.

POST /api/v1/sentiment is the real server's. The deal fields of issue 9 item 4 that the server may not
send yet (`activities[].sentiment`, `health.warnings`, `health.sentiment_trend`) are added by request
routing to the real answers, and only when an answer lacks them; the tests then judge the pane against
whatever it was actually served, so they hold unchanged once the server sends the fields itself.
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from addin_api.taskpane import PREVIEW_EMAILS
from tests.browser.conftest import SCREENSHOTS

JULIA, OMAR, MARIA = "Julia Weiss", "Omar Haddad", "Maria Rossi"
RENEWAL, CLINICS = "Contoso 2027 renewal", "Contoso scheduling pilot"
RENEWAL_MESSAGE_ID = "<contoso-renewal.in0@mail.demo.example>"
DOCS_SHOT = SCREENSHOTS.parents[1] / "docs" / "screenshots" / "tone-before-rating.png"
DEAL_ANSWERS = re.compile(r".*/api/v1/(deals/[^/?]+(\?.*)?|context\?.*|pipeline(\?.*)?)$")
# What the routing adds where the server leaves a field out: a trend falling to negative, words a rep reads.
TREND = [
    (-4, 0.6, "positive"),
    (-3, 0.4, "positive"),
    (-2, 0.1, "neutral"),
    (-1, -0.3, "negative"),
    (0, -0.7, "negative"),
]
NEGATIVE = {
    "code": "negative_sentiment",
    "message": "The buyer's recent emails read negative.",
    "terms": ["budget was reallocated", "on hold"],
}


def preview_email(deal_key: str) -> tuple[str, str]:
    """The subject and body of the preview mailbox's email for a demo deal."""
    subject, body = next((s, b) for key, s, _cc, b in PREVIEW_EMAILS if key == deal_key)
    return subject, body


class DealFields:
    """Passes the real deal answers through, adding the contract's new fields only where they are missing."""

    def __init__(self):
        self.served: dict[str, dict] = {}  # deal id -> the deal as the pane last received it
        self.added: set[str] = set()  # which fields the routing had to add

    def route(self, route) -> None:
        """Fetch the real answer and fill in what it lacks."""
        response = route.fetch()
        body = response.json() if response.status == 200 else None
        if body is None:
            return route.fulfill(response=response)
        for deal in self.deals_in(body):
            self.complete(deal)
            self.served[deal["id"]] = deal
        return route.fulfill(response=response, body=json.dumps(body))

    @staticmethod
    def deals_in(body: dict) -> list[dict]:
        if "deals" in body:
            return body["deals"]
        if "contacts" in body:
            return [deal for match in body["contacts"] for deal in match["deals"]]
        return [body] if "health" in body else []

    def complete(self, deal: dict) -> None:
        health = deal["health"]
        renewal = deal["name"] == RENEWAL
        if "sentiment_trend" not in health:
            self.added.add("health.sentiment_trend")
            health["sentiment_trend"] = [
                {"sent_at": f"2026-01-{10 + day}T09:00:00+00:00", "score": score, "label": label}
                for day, score, label in TREND
            ]
        if "warnings" not in health:
            self.added.add("health.warnings")
            dark = [{"code": "going_dark", "message": "No reply from the buyer for a while.", "terms": []}]
            health["warnings"] = ([NEGATIVE] if renewal else []) + (dark if health["going_dark"] else [])
        for activity in deal.get("activities", []):
            if "sentiment" not in activity:
                self.added.add("activities[].sentiment")
                inbound = activity["direction"] == "inbound"
                activity["sentiment"] = (
                    {"score": -0.6, "label": "negative", "terms": [{"term": "on hold", "weight": -3.0}]}
                    if inbound and renewal
                    else None
                )

    def deal(self, name: str) -> dict:
        """The deal called `name` as the pane last received it."""
        return next(d for d in self.served.values() if d["name"] == name)


@pytest.fixture
def fields(page):
    """The deal answers the pane gets, completed with the contract's fields the server does not send yet."""
    completing = DealFields()
    page.route(DEAL_ANSWERS, completing.route)
    yield completing
    print(f"fields added by routing: {sorted(completing.added) or 'none'}")


def sentiment_posts(page) -> list:
    """Every POST /api/v1/sentiment the pane sends, as it sends them."""
    seen = []
    page.on(
        "request",
        lambda r: seen.append(r) if r.method == "POST" and r.url.endswith("/api/v1/sentiment") else None,
    )
    return seen


def signed(value: float) -> str:
    """A weight or score the way the pane writes it (+0.62, −0.62)."""
    return f"{'+' if value > 0 else '−' if value < 0 else ''}{abs(value):.2f}"


def test_the_open_email_shows_its_tone_and_why_before_the_rep_rates(pane, served, fields, shot):
    posts = sentiment_posts(pane.page)
    console = []
    pane.page.on("console", lambda message: console.append(message.text))
    subject, body = preview_email("contoso-renewal")
    expected = served.api("POST", "/sentiment", json={"text": body, "subject": subject}).get_json()
    assert expected["label"] == "negative", "the preview's polite negative reads negative cold"

    pane.open_deal(JULIA, RENEWAL)
    reading = pane.frame.locator(".reading")
    expect(reading).to_have_attribute("aria-live", "polite")
    expect(reading.locator(".tone")).to_have_text("▼Negative")
    expect(reading).to_contain_text(f"score {signed(expected['score'])}")
    terms = [t["term"] for t in expected["terms"]][:5]
    assert "budget was reallocated" in terms
    expect(reading.get_by_role("list", name="Why").locator("li")).to_have_count(len(terms))
    for term in terms:
        expect(reading.get_by_role("listitem").filter(has_text=term)).to_be_visible()
    expect(pane.frame.get_by_role("button", name="Agree (rate it negative)")).to_have_attribute(
        "aria-pressed", "false"
    )
    expect(pane.frame.get_by_role("button", name="Disagree (rate it positive)")).to_be_visible()
    expect(pane.text("Logged on this deal, not rated yet.")).to_be_visible()
    assert pane.frame.locator("html").evaluate("el => el.scrollWidth") <= 320, (
        "no sideways scrolling at 320 px"
    )
    pane.frame.get_by_role("group", name="Rating").scroll_into_view_if_needed()
    shot("20-tone-before-rating")
    DOCS_SHOT.parent.mkdir(parents=True, exist_ok=True)
    DOCS_SHOT.write_bytes((SCREENSHOTS / "20-tone-before-rating.png").read_bytes())

    sent = posts[0].post_data_json
    assert sent == {"text": body, "subject": subject}, "the body Office.js gave, as the server scores it"
    pane.open_email(MARIA)  # another email, then back: the first reading is reused, not asked for again
    pane.pick("Fabrikam quality inspection")
    expect(pane.frame.locator(".reading .tone")).to_have_text("▲Positive")
    pane.open_email(JULIA)
    pane.pick(RENEWAL)
    expect(pane.frame.locator(".reading .tone")).to_have_text("▼Negative")
    assert [p.post_data_json["subject"] for p in posts] == [subject, "Site visit in Lyon"]
    assert not [line for line in console if "reallocated" in line], (
        "the email's text never reaches the console"
    )


def test_agree_and_disagree_send_the_rating_the_rep_means(pane, served, fields, shot):
    pane.open_deal(JULIA, RENEWAL)
    agree = pane.frame.get_by_role("button", name="Agree (rate it negative)")
    disagree = pane.frame.get_by_role("button", name="Disagree (rate it positive)")
    agree.click()
    expect(pane.text("Saved: you rated this email negative.")).to_be_visible()
    expect(agree).to_have_attribute("aria-pressed", "true")
    shot("21-agreed-negative")
    logged = [
        a for a in served.deal("contoso-renewal")["activities"] if a["message_id"] == RENEWAL_MESSAGE_ID
    ]
    assert [a["rating"] for a in logged] == ["negative"], "agreeing with a negative reading rates it negative"

    disagree.click()
    expect(pane.text("Saved: you rated this email positive.")).to_be_visible()
    expect(disagree).to_have_attribute("aria-pressed", "true")
    expect(agree).to_have_attribute("aria-pressed", "false")
    logged = [
        a for a in served.deal("contoso-renewal")["activities"] if a["message_id"] == RENEWAL_MESSAGE_ID
    ]
    assert [a["rating"] for a in logged] == ["positive"], "disagreeing with it rates it positive"


def test_warnings_in_words_the_tone_sparkline_and_recent_emails_tones(pane, fields, shot):
    pane.open_deal(JULIA, RENEWAL)
    deal = fields.deal(RENEWAL)
    negative = next(w for w in deal["health"]["warnings"] if w["code"] == "negative_sentiment")
    warnings = pane.frame.get_by_role("list", name="Warnings")
    shown = warnings.get_by_role("listitem").filter(has_text=negative["message"])
    expect(shown).to_be_visible()
    for term in negative["terms"]:
        expect(shown).to_contain_text(f"“{term}”")

    trend = deal["health"]["sentiment_trend"]
    sparkline = pane.frame.get_by_role("img", name=re.compile(r"^Buyer sentiment"))
    summary = (
        rf"over the last {len(trend)} emails: (rising|falling|steady), last {trend[-1]['label']}"
        if len(trend) > 1
        else f"of the last email: {trend[-1]['label']}"
    )
    expect(sparkline).to_have_attribute("aria-label", re.compile(rf"^Buyer sentiment {summary}$"))
    expect(sparkline.locator("circle")).to_have_count(len(trend))
    if "health.sentiment_trend" in fields.added:  # the routing's own falling trend
        expect(sparkline).to_have_attribute(
            "aria-label", "Buyer sentiment over the last 5 emails: falling, last negative"
        )

    toned = [a for a in deal["activities"] if a.get("sentiment")]
    assert toned, "the deal has a logged email with a tone"
    newest = max(toned, key=lambda a: a["sent_at"])
    emails = pane.frame.get_by_role("group").filter(has_text="Recent emails")
    row = emails.get_by_role("listitem").filter(has_text=newest["subject"])
    expect(row.first.locator(".tone")).to_contain_text(newest["sentiment"]["label"].capitalize())
    pane.frame.get_by_role("list", name="Warnings").scroll_into_view_if_needed()
    shot("22-warning-and-trend")


def test_pipeline_cards_mark_deals_with_warnings(pane, fields, shot):
    pane.open_email(JULIA)
    pane.sign_in()
    pane.frame.get_by_role("tab", name="My pipeline").click()
    card = pane.frame.locator("#pipeline-panel").get_by_role("button", name=RENEWAL)
    expect(card.locator(".badge-warning").filter(has_text="Negative tone")).to_be_visible()
    quiet = [d["name"] for d in fields.served.values() if not d["health"]["warnings"]]
    assert quiet, "some demo deal has no warning"
    expect(
        pane.frame.locator("#pipeline-panel").get_by_role("button", name=quiet[0]).locator(".badge-warning")
    ).to_have_count(0)
    shot("23-pipeline-warnings")


def test_a_failed_reading_never_blocks_the_deal_or_its_rating(pane, served, fields):
    posts = sentiment_posts(pane.page)
    pane.page.route("**/api/v1/sentiment", lambda route: route.fulfill(status=503, json={"message": "down"}))
    pane.open_deal(JULIA, RENEWAL)
    expect(pane.text("Couldn't read the tone of this email. You can still rate it.")).to_be_visible()
    expect(pane.frame.get_by_label("Next step")).to_be_editable()
    pane.frame.get_by_role("button", name="Negative").click()  # no reading: plain 👍 / 👎
    expect(pane.text("Saved: you rated this email negative.")).to_be_visible()
    logged = [
        a for a in served.deal("contoso-renewal")["activities"] if a["message_id"] == RENEWAL_MESSAGE_ID
    ]
    assert [a["rating"] for a in logged] == ["negative"]
    assert len(posts) == 1, "a failed reading is not retried over and over while the view redraws"
