"""The chat widget and the console as people see them: nothing cut off, nothing only for screen readers.

Found in headless Chromium against `make run` (#15): the newest message hidden under the
bottom edge, the team's away line only in the aria-live region, stale status lines and a
cramped console. Fixtures (`site`, `tabs`, `screenshots`) are in tests/browser.py.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import customer_sign_in, finished_reply, staff_sign_in

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
    """Whole when it fits in the chat; one taller than the chat (the returns answer on a laptop) from
    its first line, the rest read by scrolling (it was shown from its end, its start above the top)."""
    from playwright.sync_api import expect

    tab = tabs(**screen)
    page = tab.page
    page.goto("/")
    page.locator(".chat-launcher").click()
    log = page.locator("#chat .chat-log")
    for question in ("how long does delivery take?", "how do I return an item?"):
        page.fill("#chat-input", question)
        page.get_by_role("button", name="Send").click()
        reply = finished_reply(page)
        expect(reply.locator(".chat-rating")).to_be_visible()
        expect(reply.locator("ul.chat-sources a").first).to_be_visible()
        page.wait_for_timeout(300)  # let any late layout settle
        tab.shot(screenshots, f"widget-newest-reply-{screen['viewport']['width']}")
        assert _top_hidden_px(page, "#chat .chat-log > li", "#chat .chat-log") <= 1, "the reply starts above the chat"
        if reply.bounding_box()["height"] <= log.bounding_box()["height"] - 8:
            hidden = _bottom_hidden_px(page, "#chat .chat-log > li", "#chat .chat-log")
            assert hidden <= 1, f"{hidden:.0f} px of the newest reply are below the chat's visible area"


@pytest.mark.parametrize("screen", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_scrolled_to_the_end_no_control_of_the_page_is_under_the_chat_launcher(tabs, screenshots: Path,  # type: ignore[no-untyped-def]
                                                                              screen: dict) -> None:
    """Session 23's walkthrough: on a phone the launcher covered the newsletter's button and the footer's last link."""
    tab = tabs(**screen)
    page = tab.page
    page.goto("/")
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    page.wait_for_timeout(200)
    covered = page.evaluate("""() => {
        const launcher = document.querySelector(".chat-launcher").getBoundingClientRect();
        return [...document.querySelectorAll("main a, main button, footer a, footer button, footer input")]
          .filter((el) => !el.closest("#chat"))
          .filter((el) => { const r = el.getBoundingClientRect();
                            return r.width && r.height && r.left < launcher.right && r.right > launcher.left
                                   && r.top < launcher.bottom && r.bottom > launcher.top; })
          .map((el) => el.textContent.trim() || el.getAttribute("name") || el.tagName);
    }""")
    tab.shot(screenshots, f"layout-page-end-{screen['viewport']['width']}")
    assert covered == [], covered


def test_on_a_phone_the_launcher_steps_aside_while_the_customer_types_in_a_field_of_the_page(  # type: ignore[no-untyped-def]
        tabs, screenshots: Path) -> None:
    """Session 26's walkthrough: focusing the footer's newsletter field scrolled it to the screen's bottom edge, under
    the launcher, so the customer typed an address they could not see."""
    tab = tabs(**PHONE)
    page = tab.page
    page.goto("/")
    page.focus("#newsletter-email")
    page.keyboard.type("sam@example.test")
    page.wait_for_timeout(200)
    tab.shot(screenshots, "layout-newsletter-typing-390")
    assert not page.locator(".chat-launcher").is_visible()
    page.locator("main h1, main h2").first.click()  # done typing: the launcher is back
    assert page.locator(".chat-launcher").is_visible()


@pytest.mark.parametrize("screen", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_a_source_link_on_a_phone_shows_its_page_not_the_chat_again(tabs, screenshots: Path, screen: dict) -> None:  # type: ignore[no-untyped-def]
    """On a phone the chat is the whole screen: tapping a source opened the help page with the chat reopened over it.
    On a wide screen the chat sits in a corner beside the page and stays open."""
    from playwright.sync_api import expect

    tab = tabs(**screen)
    page = tab.page
    page.goto("/")
    page.locator(".chat-launcher").click()
    page.fill("#chat-input", "how long does delivery take?")
    page.get_by_role("button", name="Send").click()
    link = finished_reply(page).locator("ul.chat-sources a").first
    href = link.get_attribute("href") or ""
    link.click()
    page.wait_for_url(f"**{href.split('#')[0]}*")
    page.wait_for_timeout(500)  # the widget would have reopened by now
    phone = screen["viewport"]["width"] <= 480
    panel = expect(page.locator("#chat-panel"))
    panel.to_be_hidden() if phone else panel.to_be_visible()
    tab.shot(screenshots, f"widget-after-source-link-{screen['viewport']['width']}")


def _chatting_with_sam(tabs, username: str, name: str, customer_screen: dict | None = None):  # type: ignore[no-untyped-def]
    """A customer asks for a person in the widget and Sam (staff) claims the chat in the console: (console tab, widget tab)."""
    from playwright.sync_api import expect

    from tests.browser import REPLY_TIMEOUT_MS

    agent_tab = tabs(**LAPTOP)
    agent = agent_tab.page
    staff_sign_in(agent, "staff")
    expect(agent.locator("#connection")).to_have_text("Live")
    customer_tab = tabs(**(customer_screen or {}))
    customer = customer_tab.page
    customer_sign_in(customer, username)
    customer.locator(".chat-launcher").click()
    customer.fill("#chat-input", "I want to talk to a person")
    customer.get_by_role("button", name="Send").click()
    expect(customer.locator("li.chat-bot[data-route='human']").last).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    expect(customer.locator(".chat-status")).to_have_text("Waiting for our team")
    agent.locator("#queue-list .queue-item", has_text=name).click()
    agent.get_by_role("button", name="Claim").click()
    expect(agent.locator("#claim-btn")).to_have_text("Claimed by you")
    return agent_tab, customer_tab


def _top_hidden_px(page, selector: str, container: str) -> float:  # type: ignore[no-untyped-def]
    """How many px of the last `selector` lie above the visible box of its scroll `container`."""
    return page.evaluate(
        """([selector, container]) => {
            const box = document.querySelector(container).getBoundingClientRect();
            const items = document.querySelectorAll(selector);
            return box.top - items[items.length - 1].getBoundingClientRect().top;
        }""",
        [selector, container],
    )


@pytest.mark.timeout(240)
def test_a_reply_taller_than_the_chat_is_shown_from_its_first_line(tabs, screenshots: Path) -> None:  # type: ignore[no-untyped-def]
    """On a phone, a long message from the team fills more than the chat: the customer sees where it starts
    (it was shown from its end, its greeting above the top edge), and the next question scrolls as before."""
    from playwright.sync_api import expect

    agent_tab, customer_tab = _chatting_with_sam(tabs, "dan", "Dan Murphy", PHONE)
    agent, customer = agent_tab.page, customer_tab.page
    expect(customer.locator("li.chat-system", has_text="Sam joined the chat.")).to_have_count(1)

    steps = "\n".join(f"{n}. Step {n} of putting the wardrobe back in its box, in detail." for n in range(1, 40))
    agent.locator("#reply-input").fill(f"Hi Dan, here is how to pack it for the return:\n{steps}\nThat's all!")
    agent.locator("#reply-input").press("Enter")
    long_reply = customer.locator("li.chat-agent", has_text="That's all!")
    expect(long_reply).to_have_count(1)
    customer.wait_for_timeout(300)  # let any late layout settle
    log = customer.locator("#chat .chat-log")
    assert long_reply.bounding_box()["height"] > log.bounding_box()["height"]
    customer_tab.shot(screenshots, "widget-long-reply-phone")
    assert _top_hidden_px(customer, "#chat .chat-log > li.chat-agent", "#chat .chat-log") <= 1
    expect(long_reply).to_contain_text("Hi Dan, here is how")
    assert _bottom_hidden_px(customer, "#chat .chat-log > li", "#chat .chat-log") > 100  # its end is read by scrolling

    customer.fill("#chat-input", "thanks, and where is my order?")
    customer.get_by_role("button", name="Send").click()
    mine = customer.locator("li.chat-customer", has_text="where is my order")
    expect(mine).to_be_visible()
    customer.wait_for_timeout(300)
    assert _bottom_hidden_px(customer, "#chat .chat-log > li", "#chat .chat-log") <= 1


@pytest.fixture(scope="module")
def away_site(chromium_path: str, tmp_path_factory: pytest.TempPathFactory, run_artifacts: None):  # type: ignore[no-untyped-def]
    """The site with the team in only on a day that is neither today nor tomorrow: they are away now."""
    from django.utils import timezone

    from tests.browser import live_site

    days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    later = days[(timezone.localtime().weekday() + 3) % 7]
    with live_site(tmp_path_factory.mktemp("away-site"), SUPPORT_HOURS=f"{later} 09:00-10:00") as base:
        yield base


def test_the_away_line_is_visible_not_only_read_out(browser, away_site: str, screenshots: Path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    from tests.browser import REPLY_TIMEOUT_MS, Tab

    tab = Tab(browser, away_site, **PHONE)
    try:
        page = tab.page
        page.goto("/")
        page.locator(".chat-launcher").click()
        page.fill("#chat-input", "I want to talk to a person")
        page.get_by_role("button", name="Send").click()
        expect(page.locator("li.chat-bot[data-route='human']").last).to_be_visible(timeout=REPLY_TIMEOUT_MS)
        line = page.locator("#chat-panel .chat-team")
        expect(line).to_be_visible()
        expect(line).to_contain_text("away right now")
        expect(line).to_contain_text("09:00")
        assert line.get_attribute("aria-live") is None and not line.evaluate("e => !!e.closest('[aria-live]')")
        tab.shot(screenshots, "widget-away-line")

        page.reload()
        if page.locator("#chat-panel").is_hidden():
            page.locator(".chat-launcher").click()
        expect(line).to_be_visible()  # still said after a reload
        expect(line).to_contain_text("away right now")
    finally:
        tab.context.close()
    assert not tab.errors, tab.errors
    assert not tab.csp_violations, tab.csp_violations




@pytest.mark.timeout(240)
def test_status_lines_follow_claim_reload_and_resolve(tabs, screenshots: Path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    agent_tab, customer_tab = _chatting_with_sam(tabs, "alice", "Alice Jansen")
    agent, customer = agent_tab.page, customer_tab.page
    status = customer.locator(".chat-status")
    expect(status).to_have_text("Chatting with Sam")

    customer.reload()
    if customer.locator("#chat-panel").is_hidden():
        customer.locator(".chat-launcher").click()
    expect(customer.locator("li.chat-system", has_text="Sam joined the chat.")).to_have_count(1)
    expect(status).to_have_text("Chatting with Sam")  # was blank after a reload

    agent.get_by_role("button", name="Resolve").click()
    expect(customer.locator("li.chat-bot", has_text="Our team has finished here")).to_have_count(1)
    expect(status).not_to_contain_text("Sam")
    expect(status).not_to_contain_text("team")
    expect(agent.locator("#packet")).to_contain_text("no open handoff")
    # said "Waiting for the team"; resolving now ends the conversation (#15 item 13)
    expect(agent.locator("#conv-meta")).to_have_text("Closed")
    agent_tab.shot(screenshots, "console-after-resolve")
    customer_tab.shot(screenshots, "widget-after-resolve")


@pytest.mark.timeout(240)
def test_the_console_transcript_has_room_on_a_laptop(tabs, screenshots: Path) -> None:  # type: ignore[no-untyped-def]
    """At 1280x720 the transcript was 139 px tall (about four lines) under the handoff box."""
    from playwright.sync_api import expect

    from tests.browser import REPLY_TIMEOUT_MS

    customer = tabs().page
    customer_sign_in(customer, "bob")
    customer.locator(".chat-launcher").click()
    customer.fill("#chat-input", "I want to talk to a person")
    customer.get_by_role("button", name="Send").click()
    expect(customer.locator("li.chat-bot[data-route='human']").last).to_be_visible(timeout=REPLY_TIMEOUT_MS)

    agent_tab = tabs(**LAPTOP)
    agent = agent_tab.page
    staff_sign_in(agent, "staff")
    agent.locator("#queue-list .queue-item", has_text="Bob Peeters").first.click()
    expect(agent.locator("#packet")).to_contain_text("Asked for a person")
    transcript = agent.locator("#transcript").bounding_box()
    reply = agent.locator("#reply-input").bounding_box()
    agent_tab.shot(screenshots, "console-1280x720")
    assert transcript is not None and transcript["height"] >= 350, transcript
    assert reply is not None and reply["y"] + reply["height"] <= 720, reply  # the reply box is still on screen
    expect(agent.locator("#packet")).to_contain_text("Reason")  # the handoff facts are still there


def test_favicon_and_a_launcher_icon_that_needs_no_emoji_font(tabs, site: str) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    tab = tabs()
    page = tab.page
    page.goto("/")
    icon = page.request.get("/favicon.ico")  # follows the redirect to the static icon
    assert icon.status == 200 and icon.headers["content-type"].startswith("image/"), (icon.status, icon.headers)
    launcher = page.locator(".chat-launcher")
    expect(launcher.locator("svg")).to_have_count(1)
    text = launcher.inner_text()
    assert all(ord(ch) < 0x2000 for ch in text), f"launcher relies on an emoji font: {text!r}"


@pytest.mark.timeout(240)
def test_a_new_chat_greets_suggests_and_rates_only_when_there_is_something_to_rate(  # type: ignore[no-untyped-def]
    tabs, screenshots: Path
) -> None:
    from playwright.sync_api import expect

    tab = tabs(**PHONE)
    page = tab.page
    page.goto("/")
    page.locator(".chat-launcher").click()
    welcome = page.locator("li.chat-welcome")
    expect(welcome).to_contain_text("Hi!")
    expect(welcome.locator(".chat-welcome-team")).to_contain_text("Our team is")  # online, or away until when
    suggestions = welcome.get_by_role("button")
    assert 3 <= suggestions.count() <= 4, suggestions.count()
    tab.shot(screenshots, "widget-welcome")

    # A suggestion sends that question.
    welcome.get_by_role("button", name="How long does delivery take?").click()
    expect(page.locator("li.chat-customer .chat-text")).to_have_text(["How long does delivery take?"])
    reply = finished_reply(page)
    expect(welcome.get_by_role("button")).to_have_count(0)  # asked: the suggestions go
    rate = page.get_by_role("group", name="Rate this conversation")
    expect(rate).to_be_hidden()  # one answer is too early to rate the conversation

    # Thumbs down: no "Thanks!" while the comment box is open, only once the comment is sent.
    reply.get_by_role("button", name="Not helpful", exact=True).click()
    comment = reply.get_by_label("What was wrong? (optional)")
    expect(comment).to_be_focused()
    page.wait_for_timeout(500)  # the thumb's own feedback.saved has arrived by now
    assert any(e.get("reply_id") for e in tab.events("feedback.saved")), tab.frames[-3:]
    expect(reply.locator(".chat-rating-note")).to_have_count(0)
    comment.fill("I wanted Belgium")
    comment.press("Enter")
    expect(reply.locator(".chat-rating-note")).to_have_text("Thanks!")

    # Paths in the assistant's words are links.
    page.fill("#chat-input", "how do I create an account?")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("li.chat-bot[data-route]")).to_have_count(2, timeout=45_000)
    tracked = page.locator("li.chat-bot[data-route]").last
    text = tracked.locator(".chat-text").inner_text()
    assert "/account/signup/" in text, text
    expect(tracked.locator(".chat-text a[href='/account/signup/']").first).to_have_text("/account/signup/")
    expect(rate).to_be_hidden()

    page.fill("#chat-input", "how do I return an item?")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("li.chat-bot[data-route]")).to_have_count(3, timeout=45_000)
    expect(rate).to_be_visible()  # after three answers
    tab.shot(screenshots, "widget-three-answers")
