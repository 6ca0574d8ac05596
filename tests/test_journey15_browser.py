"""What the journey found in screenshots, and what the help promises, in real browsers:

- after a resolve the console's Claim button looked enabled (a paler green) though it did nothing;
- at 390x844 the widget's "Rate this conversation" row sat right on the bottom edge;
- returns-and-exchanges: "Attach the return label (for EU orders)": the free label, from the order page.

Its own live site (tests/browser.py: daphne, demo data, headless Chromium). Screenshots go to the
run's temp folder (`screenshots`).
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser import REPLY_TIMEOUT_MS, customer_sign_in, live_site, staff_sign_in

pytestmark = pytest.mark.timeout(240)

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
LAPTOP = {"viewport": {"width": 1280, "height": 720}}


@pytest.fixture(scope="module")
def site(chromium_path: str, tmp_path_factory: pytest.TempPathFactory, run_artifacts: None) -> Iterator[str]:
    with live_site(tmp_path_factory.mktemp("journey15-site")) as base:
        yield base


def _rgb(page, selector: str) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    colour = page.eval_on_selector(selector, "el => getComputedStyle(el).backgroundColor")
    return tuple(int(n) for n in re.findall(r"\d+", colour)[:3])  # type: ignore[return-value]


def test_after_a_resolve_claim_is_disabled_and_looks_it_and_the_rating_row_has_room_on_a_phone(  # type: ignore[no-untyped-def]
    tabs, screenshots: Path
) -> None:
    from playwright.sync_api import expect

    agent_tab = tabs(**LAPTOP)
    agent = agent_tab.page
    staff_sign_in(agent, "staff")
    expect(agent.locator("#connection")).to_have_text("Live")

    customer_tab = tabs(**PHONE)
    customer = customer_tab.page
    customer_sign_in(customer, "carol")
    customer.locator(".chat-launcher").click()
    customer.fill("#chat-input", "I want to talk to a person")
    customer.get_by_role("button", name="Send").click()
    expect(customer.locator("li.chat-bot[data-route='human']").last).to_be_visible(timeout=REPLY_TIMEOUT_MS)

    agent.locator("#queue-list .queue-item", has_text="Carol").click()
    claim = agent.locator("#claim-btn")
    expect(claim).to_be_enabled()
    enabled_colour = _rgb(agent, "#claim-btn")
    claim.click()
    expect(claim).to_have_text("Claimed by you")
    agent.fill("#reply-input", "Hi Carol, Sam here. All sorted?")
    agent.keyboard.press("Enter")
    expect(customer.locator("#chat li.chat-agent", has_text="All sorted?")).to_have_count(1)
    agent.get_by_role("button", name="Resolve").click()
    expect(agent.locator("#conv-meta")).to_have_text("Closed")

    # Claim: disabled, and grey like every disabled control, not a paler version of the enabled green.
    expect(claim).to_be_disabled()
    r, g, b = _rgb(agent, "#claim-btn")
    assert max(r, g, b) - min(r, g, b) <= 12 and min(r, g, b) >= 200, ((r, g, b), enabled_colour)
    assert agent.eval_on_selector("#claim-btn", "el => getComputedStyle(el).opacity") == "1"
    assert claim.get_attribute("title") == "No open handoff"  # and says why, on hover
    claim.click(force=True)  # a click on it sends nothing and changes nothing
    agent.wait_for_timeout(300)
    expect(claim).to_be_disabled()
    assert not agent.locator("#alert").is_visible(), agent.locator("#alert").inner_text()
    agent_tab.shot(screenshots, "journey15-console-claim-after-resolve-1280x720")

    # The customer may rate the conversation now; its row keeps clear of the phone's bottom edge.
    rate = customer.get_by_role("group", name="Rate this conversation")
    expect(rate).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    gap = customer.evaluate("""() => {
        const row = document.querySelector('#chat .chat-rate fieldset').getBoundingClientRect();
        const panel = document.querySelector('#chat .chat-panel').getBoundingClientRect();
        return Math.min(window.innerHeight, panel.bottom) - row.bottom;
    }""")
    customer_tab.shot(screenshots, "journey15-widget-rate-row-390x844")
    assert gap >= 14, f"the rating row ends {gap:.1f} px above the widget's bottom edge"
    customer.locator("label[for='chat-rate-5']").click()
    expect(customer.get_by_role("button", name="Submit rating")).to_be_in_viewport()
    customer_tab.shot(screenshots, "journey15-widget-rate-open-390x844")


@pytest.mark.parametrize("screen", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_a_return_started_on_the_order_page_gives_a_printable_label(  # type: ignore[no-untyped-def]
    tabs, screenshots: Path, screen: dict
) -> None:
    from playwright.sync_api import expect

    tab = tabs(**screen)
    page = tab.page
    customer_sign_in(page, "alice")  # alice's delivered order goes to Amsterdam
    page.locator("tr", has_text="Delivered").locator("a").first.click()
    number = re.search(r"/orders/(\d+)/", page.url).group(1)
    section = page.locator("#ask-refund").locator("xpath=..")
    if section.count():  # the first run files the return; the second finds it started
        section.locator("input[type=checkbox]").first.check()
        section.get_by_label("Why?").fill("Changed my mind")
        section.get_by_role("button", name="Send my refund request").click()
    download = page.get_by_role("link", name="Download return label")
    expect(download).to_be_visible()
    width = screen["viewport"]["width"]
    download.scroll_into_view_if_needed()
    tab.shot(screenshots, f"journey15-order-return-started-{width}")
    download.click()
    expect(page.get_by_role("heading", name=f"Return label for order {number}")).to_be_visible()
    label = page.locator("article.return-label")
    expect(label).to_contain_text("Distributieweg 12")
    expect(label).to_contain_text(re.compile(rf"RT{number}[0-9A-F]{{4}}"))
    expect(label.locator("svg.barcode")).to_be_visible()
    box = label.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 1, box
    label.locator("svg.barcode").scroll_into_view_if_needed()
    tab.shot(screenshots, f"journey15-return-label-{width}")
    label.screenshot(path=str(screenshots / f"journey15-return-label-whole-{width}.png"))
