"""Gmail add-on fixtures: Google's stand-ins, an app that trusts them, and a driver that acts as Google."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
from google.apps.card_v1 import Card

from addin_api.crm.local.demo_data import REP
from tests.standins.google import BASE_URL, GoogleStandIn

NADIA = "nadia@northwind.example"


@pytest.fixture(scope="session")
def google():
    """Google's certificate endpoint and Gmail API on loopback, shared by the run."""
    with GoogleStandIn() as standin:
        yield standin


@pytest.fixture
def app(make_app, google):
    """The shared app on demo data, plus the google_* settings pointing at the stand-ins."""
    return make_app(**google.settings_overrides())


@pytest.fixture
def addon(app, google):
    """Google's side of the add-on: sends events, strictly checks every answer."""
    return GoogleDriver(app.test_client(), google)


@pytest.fixture
def email(google):
    """An email from Nadia (Northwind) to the rep, stored in the Gmail stand-in; yields its Gmail id."""
    google.add_message(
        "18f2a6c41d9e0b7a",
        "<CAF=nw.42@mail.northwind.example>",
        "Re: fleet pilot",
        f"Nadia <{NADIA}>",
        [REP],
        cc=["leo@northwind.example"],
        body="We are ready to start the pilot.\n-- Nadia",
    )
    return "18f2a6c41d9e0b7a"


class Screen:
    """What Google would show after one call: the card (if any) and the notification (if any)."""

    def __init__(self, body: dict):
        self.body = body
        self.card, self.navigation, self.notification = unwrap(body)

    def texts(self) -> list[str]:
        """Every visible text on the card, flattened."""
        keys = {"text", "topLabel", "bottomLabel", "title", "subtitle", "header", "label"}
        return [v for k, v in _walk(self.card or {}) if k in keys and isinstance(v, str)]

    def has_text(self, fragment: str) -> bool:
        """True if some visible text contains `fragment`."""
        return any(fragment in t for t in self.texts())

    def widgets(self, kind: str) -> list[dict]:
        """All widgets of one kind (e.g. `selectionInput`)."""
        return [w[kind] for s in (self.card or {}).get("sections", []) for w in s["widgets"] if kind in w]

    def action_of(self, label: str) -> dict:
        """The callback of the button or clickable row labelled `label`, or of the input named `label`."""
        for _key, value in _walk(self.card or {}):
            if isinstance(value, dict) and value.get("text") == label and "onClick" in value:
                return value["onClick"]["action"]
            if isinstance(value, dict) and value.get("name") == label and "onChangeAction" in value:
                return value["onChangeAction"]
        raise AssertionError(f"no button {label!r} on the card; texts: {self.texts()}")


class GoogleDriver:
    """Builds Google-shaped events, signs them like Google, posts them, and parses the answers strictly."""

    def __init__(self, client, google: GoogleStandIn):
        self.client, self.google = client, google

    def event(
        self,
        user: str = REP,
        gmail_id: str | None = None,
        parameters: dict | None = None,
        inputs: dict | None = None,
        function: str = "",
        user_token: str | None = None,
    ) -> dict:
        """An event object as Google sends it to an HTTP add-on."""
        common = {
            "hostApp": "GMAIL",
            "platform": "WEB",
            "userLocale": "en-US",
            "timeZone": {"id": "Europe/Berlin", "offset": 7200000},
        }
        if parameters is not None:
            common["parameters"] = parameters
            common["invokedFunction"] = function
        if inputs:
            common["formInputs"] = {
                k: {"stringInputs": {"value": v if isinstance(v, list) else [v]}} for k, v in inputs.items()
            }
        token = (
            user_token
            if user_token is not None
            else self.google.mint(self.google.client_id, user, hd=self.google.domain)
        )
        event = {
            "commonEventObject": common,
            "authorizationEventObject": {"userOAuthToken": self.google.oauth_token, "userIdToken": token},
        }
        if gmail_id:
            event["gmail"] = {
                "messageId": gmail_id,
                "threadId": gmail_id,
                "accessToken": self.google.access_tokens.get(gmail_id, "gmail-access-unknown"),
            }
        return event

    def post(self, url: str, event: dict, bearer: str | None = None):
        """POST as Google does: the system ID token's audience is the full URL called."""
        system = bearer if bearer is not None else self.google.mint(url, self.google.service_account)
        event.setdefault("authorizationEventObject", {})["systemIdToken"] = system
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        return self.client.post(
            path, json=event, headers={"Authorization": f"Bearer {system}"} if system else {}
        )

    def call(self, url: str, event: dict) -> Screen:
        """POST and check the answer is a 200 with a valid envelope and strictly valid card."""
        response = self.post(url, event)
        assert response.status_code == 200, response.get_data(as_text=True)
        return Screen(response.get_json())

    def homepage(self, user: str = REP) -> Screen:
        """The homepage trigger."""
        return self.call(f"{BASE_URL}/gmail/homepage", self.event(user))

    def open(self, gmail_id: str, user: str = REP) -> Screen:
        """The contextual trigger for an opened email."""
        return self.call(f"{BASE_URL}/gmail/message", self.event(user, gmail_id))

    def click(
        self,
        screen: Screen,
        label: str,
        inputs: dict | None = None,
        gmail_id: str | None = None,
        user: str = REP,
    ) -> Screen:
        """Press a button (or change an input) on a card, as the rep would."""
        action = screen.action_of(label)
        parameters = {p["key"]: p["value"] for p in action.get("parameters", [])}
        return self.call(
            action["function"], self.event(user, gmail_id, parameters, inputs, action["function"])
        )


def unwrap(body: dict) -> tuple[dict | None, str | None, str | None]:
    """(card, navigation kind, notification text) of a response, checking the envelope's exact shape."""
    assert set(body) in ({"action"}, {"renderActions"}), f"unknown envelope {sorted(body)}"
    if "renderActions" in body:
        assert set(body["renderActions"]) == {"action"}, sorted(body["renderActions"])
        action = body["renderActions"]["action"]
    else:
        action = body["action"]
    assert set(action) <= {"navigations", "notification"} and action, f"unknown action keys {sorted(action)}"
    notification = action.get("notification")
    if notification is not None:
        assert set(notification) == {"text"} and notification["text"]
    card = kind = None
    for navigation in action.get("navigations", []):
        ((kind, card),) = navigation.items()
        assert kind in {"pushCard", "updateCard"}
        strict_card(card)
    return card, kind, notification["text"] if notification else None


def strict_card(card: dict) -> Card:
    """Parse with Google's own Card message (unknown fields rejected) and reject snake_case keys."""
    snake = [k for k, _ in _walk(card) if "_" in k]
    assert not snake, f"snake_case keys are accepted by the proto parser but are not canonical: {snake}"
    # Google's card reference lists a button's `type` (OUTLINED, FILLED, ...) for Chat apps only.
    typed = [
        v.get("text")
        for k, v in _walk(card)
        if k in ("buttons", "button") and isinstance(v, dict) and "type" in v
    ]
    assert not typed, f"Chat-only `type` on buttons: {typed}"
    return Card.from_json(json.dumps(card))


def _walk(node, key: str = ""):
    """(key, value) of every entry of a JSON tree, depth first."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield k, v
            yield from _walk(v, k)
    elif isinstance(node, list):
        for item in node:
            if isinstance(item, dict):
                yield key, item
            yield from _walk(item, key)
