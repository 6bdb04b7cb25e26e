"""Real headless Chromium (Debian's `chromium`, driven by Playwright) against the app served on loopback.

The app runs in demo sign-in mode, so the taskpane takes its tokens from the app's own demo identity
provider and the API checks them with the same validator as Entra tokens. The taskpane is opened through
the preview page, whose stand-in `Office` object plays Outlook; Microsoft's Office.js CDN is blocked, as
it is unreachable in CI. A missing browser fails the run: these tests never skip.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from addin_api import create_app
from addin_api.auth.devidp import mint_token
from addin_api.crm.local.demo_data import demo_dataset
from addin_api.crm.local.seed import load_dataset
from tests.fakes import FaultyCrm
from tests.keys import SECRET_KEY
from tests.schema import migrated_sqlite
from tests.standins.idp import LoopbackServer

CHROMIUM = os.environ.get("ADDIN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
OFFICE_CDN = "https://appsforoffice.microsoft.com/**"
REP, REP2 = "rep@demo.example", "rep2@demo.example"
WAIT_MS = (
    15000  # page conditions are awaited up to this long; the pane polls queued changes every few seconds
)


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the whole run; its absence is an error, never a skip."""
    if not Path(CHROMIUM).is_file():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: install Debian's `chromium` (or set ADDIN_CHROMIUM). "
            "The browser tests are required and never skip.",
            pytrace=False,
        )
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        pytest.fail("Python playwright is missing: pip install -e '.[test]'.", pytrace=False)
    expect.set_options(timeout=WAIT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Served:
    """The running app: its URL, state, demo deal ids, and API clients signed in as the demo reps."""

    url: str
    app: object
    deal_ids: dict

    @property
    def state(self):
        """The app's AppState (CRM, outbox, settings)."""
        return self.app.extensions["addin_api"]

    def api(self, method: str, path: str, rep: str = REP, **kw):
        """Call /api/v1 as a demo rep, with a token from the demo IdP (checked by the same validator)."""
        token = mint_token(self.state.settings, rep)
        client = self.app.test_client()
        return client.open(
            f"/api/v1{path}", method=method, headers={"Authorization": f"Bearer {token}"}, **kw
        )

    def deal(self, key: str, rep: str = REP) -> dict:
        """A demo deal as the API returns it now."""
        response = self.api("GET", f"/deals/{self.deal_ids[key]}", rep)
        assert response.status_code == 200, response.get_json()
        return response.get_json()


@contextmanager
def serve_app(tmp_path: Path, **overrides):
    """A fresh app on demo data served on 127.0.0.1 by a threaded werkzeug server; its CRM can fail on cue."""
    holder = {}
    server = LoopbackServer(lambda environ, start_response: holder["app"](environ, start_response))
    try:  # the URL must be known before the app is built: it is the demo IdP's issuer
        app = create_app(
            {
                "public_base_url": server.url,
                "instance_path": str(tmp_path),
                "database_url": migrated_sqlite(tmp_path / "addin.db"),
                "outbox_backoff_seconds": 0.0,
                **overrides,
            }
        )
        state = app.extensions["addin_api"]
        deal_ids = load_dataset(state.engine, demo_dataset())
    except BaseException:
        server.stop()
        raise
    state.crm = FaultyCrm(state.crm)
    holder["app"] = app
    with server:
        yield Served(server.url, app, deal_ids)
    state.http.close()


@pytest.fixture
def served(tmp_path):
    """The app in demo sign-in mode: the taskpane gets tokens from the app's own demo identity provider."""
    with serve_app(tmp_path / "demo", dev_idp=True) as running:
        yield running


@pytest.fixture
def served_entra(tmp_path, idp):
    """The app as in production: Entra sign-in (here the loopback test IdP), no demo IdP, no preview."""
    with serve_app(tmp_path / "entra", secret_key=SECRET_KEY, **idp.settings_overrides()) as running:
        yield running


@pytest.fixture
def context(browser):
    """A fresh browser context (no cookies or storage) with Microsoft's Office.js CDN blocked."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US", timezone_id="UTC")
    ctx.route(OFFICE_CDN, lambda route: route.abort())
    yield ctx
    ctx.close()


@pytest.fixture
def page(context, served):
    """The preview page of the demo app; any JavaScript error fails the test."""
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.goto(f"{served.url}/preview")
    yield tab
    assert not errors, f"JavaScript errors in the page: {errors}"


@pytest.fixture
def shot(page):
    """Save a screenshot of the taskpane (or the whole page) under test-artifacts/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str, whole_page: bool = False) -> None:
        target = page if whole_page else page.locator("#taskpane")
        target.screenshot(path=str(SCREENSHOTS / f"{name}.png"), animations="disabled")

    return take


class Pane:
    """The taskpane inside the preview page, driven the way a rep would."""

    def __init__(self, page):
        self.page = page
        self.frame = page.frame_locator("#taskpane")

    def open_email(self, sender: str) -> None:
        """Select an email in the fake inbox (the first opens the pane, later ones fire ItemChanged)."""
        self.page.get_by_role("button", name=sender).click()

    def sign_in(self) -> None:
        """Use the signed-out screen's button, as a first-time rep does."""
        self.frame.get_by_role("button", name="Sign in").click()

    def pick(self, deal_name: str) -> None:
        """Choose a deal in the picker (unless the email opened it directly) and wait for its view."""
        heading = self.frame.get_by_role("heading", name=deal_name, exact=True)
        button = self.frame.get_by_role("button", name=deal_name)
        heading.or_(button).first.wait_for()
        if not heading.is_visible():
            button.click()
        heading.wait_for()

    def open_deal(self, sender: str, deal_name: str, first: bool = True) -> None:
        """Open an email, sign in if this is the first one, and open one of its deals."""
        self.open_email(sender)
        if first:
            self.sign_in()
        self.pick(deal_name)

    def text(self, text: str):
        """A locator for text inside the pane."""
        return self.frame.get_by_text(text)


@pytest.fixture
def pane(page):
    """The taskpane helper on the preview page."""
    return Pane(page)
