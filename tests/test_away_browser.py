"""End-to-end: a reply from the team reaches a customer whose chat is closed (#15 item 11).

Alice asks for a person, closes the chat and browses on; Sam answers from the console. On
whatever page she is on, the launcher shows the count and the tab's title says so, in every
tab of hers; opening the chat clears both, in every tab.
"""
from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser import REPLY_TIMEOUT_MS, customer_sign_in, live_site, staff_sign_in

pytestmark = pytest.mark.timeout(240)


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("away-site")


@pytest.fixture(scope="module")
def site(chromium_path: str, site_dir: Path, run_artifacts: None) -> Iterator[str]:
    """This module's own live site: reply emails go at once (embedded mode prints them to daphne's log)."""
    with live_site(site_dir, REPLY_EMAIL_DELAY_S="0") as base:
        yield base


def _asks_for_a_person(tabs, username: str, text: str, **context_options):  # type: ignore[no-untyped-def]
    """A customer's tab, signed in, having asked for a person (the chat still open); returns the Tab."""
    from playwright.sync_api import expect

    tab = tabs(**(context_options or {"viewport": {"width": 1280, "height": 720}}))
    customer_sign_in(tab.page, username)
    tab.page.locator(".chat-launcher").click()
    tab.page.fill("#chat-input", text)
    tab.page.get_by_role("button", name="Send").click()
    expect(tab.page.locator(".chat-status")).to_have_text("Waiting for our team", timeout=REPLY_TIMEOUT_MS)
    return tab


def _sam_claims(tabs, customer_name: str):  # type: ignore[no-untyped-def]
    """Sam's console, holding the customer's handoff; returns his page."""
    from playwright.sync_api import expect

    agent = tabs(viewport={"width": 1440, "height": 900}).page
    staff_sign_in(agent, "staff")
    agent.locator("#queue-list .queue-item", has_text=customer_name).click()
    agent.get_by_role("button", name="Claim").click()
    expect(agent.locator("#claim-btn")).to_have_text("Claimed by you")
    return agent


def _sam_replies(agent, text: str) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    box = agent.locator("#reply-input")
    expect(box).to_be_enabled()
    box.fill(text)
    box.press("Enter")
    expect(agent.locator("#transcript li.msg-agent", has_text=text)).to_have_count(1)


def test_a_reply_while_the_chat_is_closed_shows_on_the_launcher_and_in_the_title(tabs, screenshots: Path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    customer_tab = _asks_for_a_person(tabs, "alice", "I want to talk to a person")
    customer = customer_tab.page
    # She closes the chat and browses on: a new page, the chat closed, and a second tab.
    customer.locator(".chat-close").click()
    customer.goto("/")
    expect(customer).to_have_title("Example Shoppe")
    badge = customer.locator(".chat-launcher .chat-unread")
    expect(badge).to_be_hidden()
    other = customer_tab.context.new_page()
    other.goto("/products/")
    other_title = other.title()

    agent = _sam_claims(tabs, "Alice Jansen")
    _sam_replies(agent, "Hi Alice, Sam here. I'm looking at your order now.")

    # The closed chat's launcher counts it, and the title says so, in both of her tabs.
    expect(badge).to_be_visible()
    expect(badge).to_contain_text("1")
    expect(customer).to_have_title("(1) New message - Example Shoppe")
    expect(other).to_have_title(f"(1) New message - {other_title}")
    expect(other.locator(".chat-launcher .chat-unread")).to_contain_text("1")
    _sam_replies(agent, "Good news: a replacement lamp ships tomorrow.")
    expect(customer).to_have_title("(2) New messages - Example Shoppe")
    expect(badge).to_contain_text("2")
    expect(customer.locator(".chat-launcher")).to_have_accessible_name(re.compile(r"Chat with us\s*2 new messages from our team"))
    customer_tab.shot(screenshots, "away-1-badge-desktop")

    # Opening the chat shows the replies and clears the badge and the title, in the other tab too.
    customer.locator(".chat-launcher").click()
    expect(customer.locator("li.chat-agent", has_text="replacement lamp ships tomorrow")).to_be_visible()
    expect(customer).to_have_title("Example Shoppe")
    expect(badge).to_be_hidden()
    expect(other).to_have_title(other_title)
    expect(other.locator(".chat-launcher .chat-unread")).to_be_hidden()
    customer_tab.shot(screenshots, "away-2-opened-desktop")
    # Read: a reload brings no badge back.
    other.reload()
    expect(other.locator(".chat-launcher")).to_be_visible()
    other.wait_for_timeout(500)
    expect(other).to_have_title(other_title)
    expect(other.locator(".chat-launcher .chat-unread")).to_be_hidden()


def test_replies_seen_while_offline_stay_read_and_one_written_meanwhile_stays_unread(tabs) -> None:  # type: ignore[no-untyped-def]
    """Opening the chat with the connection down cleared the badge on the page only: back online, the history
    counted Sam's first reply unread again; and "seen" then, as it was, would have marked his second reply, written
    while she was offline and never on her screen, read too (and kept it out of the reply email)."""
    from playwright.sync_api import expect

    customer_tab = _asks_for_a_person(tabs, "dan", "I want to talk to a person")
    customer = customer_tab.page
    customer.locator(".chat-close").click()
    agent = _sam_claims(tabs, "Dan Murphy")
    _sam_replies(agent, "Hi Dan, Sam here. Checking your parcel now.")
    badge = customer.locator(".chat-launcher .chat-unread")
    expect(badge).to_contain_text("1")

    # Her train enters a tunnel; she opens the chat and reads Sam's reply there.
    customer_tab.context.set_offline(True)
    customer.evaluate("window.dispatchEvent(new Event('offline'))")
    expect(customer.locator(".chat-status")).to_have_text("Reconnecting…")
    customer.locator(".chat-launcher").click()
    expect(customer.locator("li.chat-agent", has_text="Checking your parcel")).to_be_visible()
    expect(badge).to_be_hidden()
    customer.locator(".chat-close").click()
    # Sam writes again while she is offline; she has not seen it when the connection is back.
    _sam_replies(agent, "Found it: it is at the depot, out for delivery tomorrow.")
    customer_tab.context.set_offline(False)
    customer.evaluate("window.dispatchEvent(new Event('online'))")
    expect(badge).to_have_text(re.compile(r"^\s*1\b"))  # the second reply only, not "2"
    expect(customer).to_have_title(re.compile(r"^\(1\) New message - "))
    customer.wait_for_timeout(500)  # what the widget said on reconnecting has reached the server
    customer.reload()
    expect(customer.locator(".chat-launcher .chat-unread")).to_have_text(re.compile(r"^\s*1\b"))  # the server counts the same


def test_on_a_phone_the_badge_sits_on_the_launcher(tabs, screenshots: Path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    customer_tab = _asks_for_a_person(tabs, "bob", "Can I speak to a human please",
                                      viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    customer = customer_tab.page
    customer.locator(".chat-close").click()
    customer.goto("/help/")
    agent = _sam_claims(tabs, "Bob Peeters")
    _sam_replies(agent, "Hi Bob, how can I help?")

    badge = customer.locator(".chat-launcher .chat-unread")
    expect(badge).to_contain_text("1")
    launcher_box = customer.locator(".chat-launcher").bounding_box()
    badge_box = badge.bounding_box()
    assert launcher_box and badge_box
    # on the launcher's top-right corner, whole and inside the screen
    assert badge_box["x"] + badge_box["width"] <= 390 and badge_box["y"] >= 0
    assert badge_box["x"] > launcher_box["x"] + launcher_box["width"] / 2
    customer_tab.shot(screenshots, "away-3-badge-phone")
    customer.locator(".chat-launcher").click()
    expect(customer.locator("li.chat-agent", has_text="how can I help")).to_be_visible()
    expect(badge).to_be_hidden()


def test_a_customer_who_left_gets_the_reply_by_email_and_its_link_reopens_the_chat(
        tabs, site_dir: Path, screenshots: Path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    customer_tab = _asks_for_a_person(tabs, "carol", "I'd like to talk to someone from your team")
    customer_tab.context.close()  # she leaves: no page of the shop open anywhere
    agent = _sam_claims(tabs, "Carol")
    _sam_replies(agent, "Hi Carol, your exchange is approved.")

    # The email (embedded mode prints it in the server's log) carries the reply and a link back. (Other customers'
    # emails may be in the log before it: the other tests' unread replies.)
    log = site_dir / "daphne.log"
    email = re.compile(r"Hi Carol, your exchange is approved\..*?(https?://\S+/chat/return/\S+/)", re.S)
    deadline = time.monotonic() + 20
    while not email.search(log.read_text(errors="replace")) and time.monotonic() < deadline:
        time.sleep(0.2)
    found = email.search(log.read_text(errors="replace"))
    assert found, "no email with Carol's reply and a link back"
    link = found.group(1)

    back_tab = tabs(viewport={"width": 1280, "height": 720})
    back = back_tab.page
    customer_sign_in(back, "carol")
    back.goto(link)
    expect(back).to_have_url(re.compile(r"/$"))  # "?chat=open" is taken off once the chat opens
    expect(back.locator("#chat-panel")).to_be_visible()
    expect(back.locator("li.chat-agent", has_text="your exchange is approved")).to_be_visible()
    expect(back.locator(".chat-launcher .chat-unread")).to_be_hidden()
    back_tab.shot(screenshots, "away-4-back-from-the-email")


def test_the_welcomes_line_about_the_team_goes_once_someone_joins(tabs) -> None:  # type: ignore[no-untyped-def]
    # Session 35's walkthrough: "our team is away right now; back today at 09:00" stood above "Sam joined the chat"
    # and "Chatting with Sam".
    from playwright.sync_api import expect

    customer = tabs(viewport={"width": 1280, "height": 720}).page  # a visitor: every demo customer has a chat here
    customer.goto("/")
    customer.locator(".chat-launcher").click()
    welcome_team = customer.locator("#chat li.chat-welcome .chat-welcome-team")
    expect(welcome_team).to_have_count(1)  # before the first message: a history drawn again has no welcome
    customer.fill("#chat-input", "can I talk to someone please")
    customer.get_by_role("button", name="Send").click()
    expect(customer.locator(".chat-status")).to_have_text("Waiting for our team", timeout=REPLY_TIMEOUT_MS)
    _sam_claims(tabs, "can I talk to someone please")
    expect(customer.locator(".chat-status")).to_have_text(re.compile("Chatting with"), timeout=REPLY_TIMEOUT_MS)
    expect(welcome_team).to_have_count(0)
