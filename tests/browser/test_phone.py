"""The preview and the taskpane at phone width in real Chromium: the pane on screen, touch targets ≥ 44 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import OFFICE_CDN, SCREENSHOTS, Pane

NADIA, FLEET = "Nadia Patel", "Northwind fleet visibility"
# Apple's and Google's guidelines both ask for touch targets of about 44 px (Apple: 44 pt, Android: 48 dp).
MIN_TOUCH_PX = 44
CONTROLS = "button, select, input:not([type=hidden]), textarea, [role=tab]"


def _phone(browser, width: int, touch: bool):
    """A context shaped like a phone: narrow viewport, and with `touch` a coarse pointer (Outlook mobile)."""
    ctx = browser.new_context(
        viewport={"width": width, "height": 740},
        is_mobile=touch,
        has_touch=touch,
        device_scale_factor=3 if touch else 1,
        locale="en-US",
        timezone_id="UTC",
    )
    ctx.route(OFFICE_CDN, lambda route: route.abort())
    return ctx


@pytest.mark.parametrize("width", [320, 360])
def test_at_phone_width_the_preview_shows_the_whole_pane(browser, served, width):
    ctx = _phone(browser, width, touch=False)
    try:
        page = ctx.new_page()
        page.goto(f"{served.url}/preview")
        pane = Pane(page)
        pane.open_email(NADIA)
        pane.sign_in()
        pane.pick(FLEET)
        frame = page.locator("#taskpane")
        frame.scroll_into_view_if_needed()
        box = frame.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, (width, box)
        assert box["width"] >= width - 2, "the pane takes the phone's width"
        assert box["height"] >= 400, box
        assert pane.frame.locator("html").evaluate("el => el.scrollWidth") <= box["width"]
        expect(pane.frame.get_by_role("heading", name=FLEET, exact=True)).to_be_in_viewport()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"preview-{width}px.png"), animations="disabled")
    finally:
        ctx.close()


def _small_controls(frame) -> list[str]:
    """Visible controls in the pane shorter than MIN_TOUCH_PX, as 'tag "text" height'."""
    return frame.locator("body").evaluate(
        """(body, [selector, min]) => [...body.querySelectorAll(selector)]
            .filter((el) => el.getClientRects().length && getComputedStyle(el).visibility !== "hidden")
            .map((el) => [el, el.getBoundingClientRect().height])
            .filter(([, height]) => height < min)
            .map(([el, height]) =>
                `${el.tagName.toLowerCase()} "${el.textContent.trim().slice(0, 30)}" ${height}px`)""",
        [CONTROLS, MIN_TOUCH_PX],
    )


def test_on_a_phone_every_control_of_the_pane_is_a_44px_touch_target(browser, served):
    ctx = _phone(browser, 360, touch=True)
    try:
        page = ctx.new_page()
        page.goto(f"{served.url}/preview")
        pane = Pane(page)
        pane.open_email(NADIA)
        assert _small_controls(pane.frame) == []  # the signed-out screen
        pane.sign_in()
        expect(pane.frame.get_by_role("button", name=FLEET)).to_be_visible()
        assert _small_controls(pane.frame) == []  # the deal picker
        pane.pick(FLEET)
        counted = pane.frame.locator(CONTROLS).count()
        assert counted >= 6, "tabs, stage, next step, save and the two rating buttons at least"
        expect(pane.frame.get_by_role("button", name="Positive")).to_be_visible()
        assert _small_controls(pane.frame) == []  # the deal: selects, buttons, rating buttons, links
        pane.frame.get_by_role("tab", name="My pipeline").click()
        expect(pane.frame.get_by_role("button", name=FLEET)).to_be_visible()
        assert _small_controls(pane.frame) == []
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.locator("#taskpane").screenshot(path=str(SCREENSHOTS / "phone-pipeline-360px.png"))
    finally:
        ctx.close()
