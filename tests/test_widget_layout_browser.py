"""The chat widget and the console as people see them: nothing cut off, nothing only for screen readers.

Found in headless Chromium against `make run` (#15): the newest message hidden under the
bottom edge, the team's away line only in the aria-live region, stale status lines and a
cramped console. Fixtures (`site`, `tabs`, `screenshots`) are in tests/browser.py.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import finished_reply

pytestmark = pytest.mark.timeout(180)

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
LAPTOP = {"viewport": {"width": 1280, "height": 720}}


def _bottom_hidden_px(page, selector: str, container: str) -> float:  # type: ignore[no-untyped-def]
    """How many px of the last `selector` lie below the visible box of its scroll `container`."""
    return page.evaluate(
        """([selector, container]) => {
            const box = document.querySelector(container).getBoundingClientRect();
            const items = document.querySelectorAll(selector);
            const last = items[items.length - 1].getBoundingClientRect();
            return last.bottom - box.bottom;
        }""",
        [selector, container],
    )


@pytest.mark.parametrize("screen", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_the_newest_reply_is_shown_whole_with_its_sources_and_thumbs(  # type: ignore[no-untyped-def]
    tabs, screenshots: Path, screen: dict
) -> None:
    from playwright.sync_api import expect

    tab = tabs(**screen)
    page = tab.page
    page.goto("/")
    page.locator(".chat-launcher").click()
    for question in ("how long does delivery take?", "how do I return an item?"):
        page.fill("#chat-input", question)
        page.get_by_role("button", name="Send").click()
        reply = finished_reply(page)
        expect(reply.locator(".chat-rating")).to_be_visible()
    expect(reply.locator("ul.chat-sources a").first).to_be_visible()
    page.wait_for_timeout(300)  # let any late layout settle
    hidden = _bottom_hidden_px(page, "#chat .chat-log > li", "#chat .chat-log")
    tab.shot(screenshots, f"widget-newest-reply-{screen['viewport']['width']}")
    assert hidden <= 1, f"{hidden:.0f} px of the newest reply are below the chat's visible area"
