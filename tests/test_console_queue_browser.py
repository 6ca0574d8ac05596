"""End-to-end: a busy queue in the staff console. The console is sent only the first waiting handoffs to take
(`CONSOLE_QUEUE_WAITING_SENT`, 200; 1 on this module's site); when one of them is taken, the next shows without
a reload."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser import REPLY_TIMEOUT_MS, live_site, staff_sign_in

pytestmark = pytest.mark.timeout(240)


@pytest.fixture(scope="module")
def site(chromium_path: str, tmp_path_factory: pytest.TempPathFactory, run_artifacts: None) -> Iterator[str]:
    with live_site(tmp_path_factory.mktemp("console-queue-site"), CONSOLE_QUEUE_WAITING_SENT="1",
                   SUPPORT_HOURS="mon-sun 00:00-24:00") as base:
        yield base


def _ask_for_a_person(tabs, text: str) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page = tabs().page
    page.goto("/")
    page.locator(".chat-launcher").click()
    page.fill("#chat-input", text)
    page.get_by_role("button", name="Send").click()
    expect(page.locator("li.chat-bot[data-route='human']").last).to_be_visible(timeout=REPLY_TIMEOUT_MS)


def test_the_next_waiting_handoff_shows_when_the_shown_one_is_taken(tabs, screenshots: Path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    _ask_for_a_person(tabs, "I want to talk to a person please")
    _ask_for_a_person(tabs, "can someone from your team call me back, a human please")

    agent = tabs(viewport={"width": 1440, "height": 900}).page
    staff_sign_in(agent, "staff")
    expect(agent.locator("#connection")).to_have_text("Live")
    expect(agent.locator("#queue-count")).to_have_text("2")
    expect(agent.locator("#queue-shown")).to_have_text("1 of 2 waiting shown: the first to take")
    rows = agent.locator("#queue-list .queue-item")
    expect(rows).to_have_count(1)
    first = rows.first.get_attribute("data-handoff-id")

    rows.first.click()
    agent.get_by_role("button", name="Claim").click()
    expect(agent.locator("#claim-btn")).to_have_text("Claimed by you")

    # No reload, no reconnect: the console asked for the queue again and the other customer is there to take.
    waiting = agent.locator("#queue-list .queue-row.is-queued .queue-item")
    expect(waiting).to_have_count(1)
    assert waiting.first.get_attribute("data-handoff-id") != first
    expect(agent.locator("#queue-count")).to_have_text("1")
    expect(agent.locator("#queue-shown")).to_have_text("")
    agent.screenshot(path=str(screenshots / "console-queue-refilled.png"))
