"""End-to-end: the ops dashboard in a real (headless) Chromium, after live chat traffic.

Reuses the live daphne site, browser and tab fixtures of tests/test_browser.py (its own
copy for this module: migrated, demo data loaded, cached models). A visitor first sends a
few questions through the chat widget and rates some replies over the chat socket, so the
dashboard has routing, latency and satisfaction figures to draw; then the ops user signs in
and the page is screenshotted (full page) into the run's screenshots folder.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser import DEMO_PASSWORD, REPLY_TIMEOUT_MS

pytestmark = pytest.mark.timeout(240)

DASHBOARD_VIEWPORT = {"width": 1440, "height": 900}
QUESTIONS = [
    "how long does delivery take?",
    "do you deliver to Belgium?",
    "which payment methods do you accept?",
    "what is the capital of Australia?",
    "I ordered two lamps in different orders, one arrived broken and the other never came, and I moved last week. "
    "What should I do about each?",
    "I want to talk to a person",
]

RATE = """([replyIds, conversationScore]) => new Promise((resolve) => {
    const ws = new WebSocket(`ws://${location.host}/ws/chat/`);
    const wanted = replyIds.length + 1;
    let saved = 0;
    ws.onmessage = (event) => {
        const frame = JSON.parse(event.data);
        if (frame.type === "history") {
            replyIds.forEach((id, i) => ws.send(JSON.stringify({type: "feedback", reply_id: id, score: i % 3 === 2 ? -1 : 1})));
            ws.send(JSON.stringify({type: "feedback", conversation: true, score: conversationScore}));
        } else if (frame.type === "feedback.saved" && ++saved === wanted) {
            ws.close();
            resolve(saved);
        } else if (frame.type === "error") {
            resolve(`error: ${frame.code || frame.message}`);
        }
    };
    ws.onclose = () => resolve(saved);
    setTimeout(() => resolve(saved), 10000);
})"""


def _chat_traffic(tab) -> None:  # type: ignore[no-untyped-def]
    """A visitor asks QUESTIONS one by one, waits for every reply, and rates them."""
    from playwright.sync_api import expect

    page = tab.page
    page.goto("/")
    page.locator(".chat-launcher").click()
    expect(page.locator("#chat-panel")).to_be_visible()
    for i, question in enumerate(QUESTIONS):
        page.fill("#chat-input", question)
        page.get_by_role("button", name="Send").click()
        expect(page.locator("li.chat-customer")).to_have_count(i + 1)
        expect(page.locator("li.chat-bot[data-route]").nth(i)).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    page.wait_for_function(f"() => document.querySelectorAll('li.chat-bot[data-route]').length >= {len(QUESTIONS)}")
    reply_ids = [frame["reply_id"] for frame in tab.events("reply.end") if isinstance(frame.get("reply_id"), int)]
    assert len(reply_ids) >= len(QUESTIONS), tab.events("reply.end")
    saved = page.evaluate(RATE, [reply_ids[:5], 4])
    assert saved == 6, saved


def _ops_sign_in(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/admin/login/?next=/ops/")
    page.fill("#id_username", "ops")
    page.fill("#id_password", DEMO_PASSWORD)
    page.locator("input[type=submit], button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/ops/$"))


def test_ops_dashboard_after_live_chat_traffic(tabs, screenshots: Path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    _chat_traffic(tabs())

    ops_tab = tabs(viewport=DASHBOARD_VIEWPORT)
    page = ops_tab.page
    _ops_sign_in(page)
    expect(page).to_have_title(re.compile(r"^Dashboard · Example Shoppe"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    messages = int(page.locator("#kpi-messages").inner_text().replace(",", ""))
    assert messages >= len(QUESTIONS), messages

    # Both charts are drawn inline, labelled for assistive technology, with bars for today's traffic.
    share = page.get_by_role("img", name=re.compile("Share of customer messages per day"))
    expect(share).to_be_visible()
    assert page.locator("#share-chart rect.seg").count() >= 1
    spend = page.get_by_role("img", name=re.compile("LLM spend per day"))
    expect(spend).to_be_visible()
    expect(page.locator("#spend-chart polyline.all-llm-line")).to_have_count(1)
    # The latency table has the local tier's replies, and the customer's ratings reached the satisfaction table.
    local = page.locator("#latency-table tr[data-tier='local'] td")
    assert int(local.nth(0).inner_text()) >= 1 and local.nth(1).inner_text().endswith("ms")
    expect(page.locator("#satisfaction-table tfoot td.num")).to_have_text("5")
    expect(page.locator("#conversation-average")).to_have_text("4.00")
    # The chart's figures are also there as a table.
    page.locator("#share-chart summary").click()
    expect(page.locator("#share-chart table tbody tr")).to_have_count(14)
    page.locator("#share-chart summary").click()

    path = screenshots / "ops-dashboard.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"\nscreenshot: {path}")

    # Today, per hour: a quick period link.
    page.get_by_role("link", name="Today, hourly").click()
    page.wait_for_url(re.compile(r"bucket=hour"))
    expect(page.get_by_role("img", name=re.compile("Share of customer messages per hour"))).to_be_visible()
    assert page.locator("#share-chart rect.seg").count() >= 1
    path = screenshots / "ops-dashboard-hourly.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")

    # On a phone the charts are wider than the screen: they open on the newest days (today's traffic), not on
    # the empty oldest week, and the page itself never scrolls sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/ops/")
    for chart in ("#share-chart", "#spend-chart"):
        canvas = page.locator(f"{chart} .chart-canvas")
        # the chart's right end (its newest day) is at the box's right edge; its left part is scrolled out of view
        beyond, hidden = canvas.evaluate("""c => { const box = c.getBoundingClientRect(), svg = c.querySelector('svg')
                                                     .getBoundingClientRect(); return [svg.right - box.right, box.left - svg.left]; }""")
        assert abs(beyond) <= 1 and hidden > 100, (chart, beyond, hidden)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(screenshots / "ops-dashboard-phone.png"), full_page=True)


# Advice only the LLM gives (a broken lamp and a missing one, asked this way, go to a person as a possible refund).
LONG_QUESTION = ("My living room is 4 by 5 metres with a low ceiling and underfloor heating, so please tell me "
                 "which of your rugs and lamps would suit it and whether the Oslo sofa fits along the 3.2 metre wall")


def test_the_escalation_log_fits_a_1440_pixel_window(tabs, screenshots: Path) -> None:  # type: ignore[no-untyped-def]
    """#15 item 8: the customer's message, the log's last column, is on screen without scrolling sideways."""
    from playwright.sync_api import expect

    page = tabs().page
    page.goto("/")
    page.locator(".chat-launcher").click()
    for i, question in enumerate([LONG_QUESTION, "I want to talk to a person"]):
        page.fill("#chat-input", question)
        page.get_by_role("button", name="Send").click()
        expect(page.locator("li.chat-bot[data-route]").nth(i)).to_be_visible(timeout=REPLY_TIMEOUT_MS)

    page = tabs(viewport=DASHBOARD_VIEWPORT).page
    _ops_sign_in(page)
    page.goto("/ops/escalations/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Escalation log")
    assert page.locator("#escalation-log tbody tr").count() >= 1
    header = page.locator("#escalation-log thead th").last
    expect(header).to_have_text("Customer message")
    for cell in [header, *page.locator("#escalation-log td.message").all()]:
        box = cell.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= DASHBOARD_VIEWPORT["width"], box
    # Nothing to scroll sideways, and a shortened message keeps its whole text in a tooltip.
    assert page.evaluate("document.documentElement.scrollWidth") <= DASHBOARD_VIEWPORT["width"]
    wrap = page.locator(".log-table-wrap")
    assert wrap.evaluate("el => el.scrollWidth <= el.clientWidth"), wrap.evaluate("el => [el.scrollWidth, el.clientWidth]")
    long_row = page.locator("#escalation-log td.message a", has_text="My living room is 4 by 5")
    assert LONG_QUESTION in (long_row.first.get_attribute("title") or "")
    path = screenshots / "ops-escalation-log.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"\nscreenshot: {path}")

    # The message is the link to the trace: readable at every width (it was squeezed to a few letters at 1280 px
    # and to nothing on a phone); narrower windows scroll the table inside its box, never the page.
    for width in (1440, 1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        message = header.bounding_box()
        assert message is not None and message["width"] >= 14 * 16 - 1, (width, message)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, width
        page.screenshot(path=str(screenshots / f"ops-escalation-log-{width}.png"))
    # The trace behind it fits a phone too (a score's long name and value made the page 687 px wide).
    page.locator("#escalation-log td.message a").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Conversation")
    for details in page.locator("details").all():
        details.evaluate("d => d.open = true")
    wide = page.evaluate("""() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 391)
                                 .map(e => e.tagName + '.' + e.className).slice(0, 8)""")  # inside a scrolling box too
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, wide
    page.screenshot(path=str(screenshots / "ops-trace-390.png"), full_page=True)
