"""Conversations have a life cycle (#15 item 13), in Chromium against the demo site.

A customer with the chat open on a phone and on a laptop: staff resolve, the widget draws a
"New conversation" line, the next question starts a new conversation below it in both tabs, and
the old one is reachable under "Past conversations", with its transcript and an email button.
Screenshots: widget at 390x844 and 1440x900, the conversations pages at both.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import customer_sign_in, finished_reply, staff_sign_in

pytestmark = pytest.mark.timeout(300)

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1440, "height": 900}}
LAPTOP = {"viewport": {"width": 1280, "height": 720}}


def test_after_a_resolve_the_next_question_starts_a_new_conversation_and_the_old_one_is_kept(
        tabs, screenshots: Path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    from tests.browser import REPLY_TIMEOUT_MS

    agent = tabs(**LAPTOP).page
    staff_sign_in(agent, "staff")
    expect(agent.locator("#connection")).to_have_text("Live")

    phone_tab, desk_tab = tabs(**PHONE), tabs(**DESKTOP)
    phone, desk = phone_tab.page, desk_tab.page
    for page in (phone, desk):
        customer_sign_in(page, "carol")
    phone.locator(".chat-launcher").click()
    phone.fill("#chat-input", "how long does delivery take?")
    phone.get_by_role("button", name="Send").click()
    finished_reply(phone)
    desk.locator(".chat-launcher").click()  # the same conversation, open on the laptop too
    expect(desk.locator("li.chat-customer", has_text="how long does delivery take?")).to_have_count(1)
    desk_tab.shot(screenshots, "life-widget-ended-1440")

    phone.fill("#chat-input", "I want to talk to a person")
    phone.get_by_role("button", name="Send").click()
    expect(phone.locator("li.chat-bot[data-route='human']").last).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    agent.locator("#queue-list .queue-item", has_text="Carol").first.click()
    agent.get_by_role("button", name="Claim").click()
    expect(agent.locator("#claim-btn")).to_have_text("Claimed by you")
    agent.get_by_role("button", name="Resolve").click()

    # the team is done: both tabs draw the line under which the next conversation starts
    for page in (phone, desk):
        expect(page.locator("li.chat-bot", has_text="Our team has finished here")).to_have_count(1)
        expect(page.locator("li.chat-divider", has_text="New conversation")).to_be_visible()

    # opened again, an ended conversation shows above the line, with a fresh greeting below it
    desk.reload()
    if desk.locator("#chat-panel").is_hidden():
        desk.locator(".chat-launcher").click()
    expect(desk.locator("li.chat-divider ~ li.chat-welcome")).to_have_count(1)
    expect(desk.locator("li.chat-customer", has_text="how long does delivery take?")).to_have_count(1)
    desk_tab.shot(screenshots, "life-widget-ended-1440")

    phone.fill("#chat-input", "which payment methods do you accept?")
    phone.get_by_role("button", name="Send").click()
    reply = finished_reply(phone)
    expect(reply).to_contain_text("PayPal")
    started = phone_tab.events("conversation.started")
    assert len(started) == 1 and started[0]["conversation_id"] != started[0]["previous_id"]
    # the question and its answer are below the line, the old conversation above it, in both tabs
    for page in (phone, desk):
        expect(page.locator("li.chat-divider")).to_have_count(1)
        expect(page.locator("li.chat-divider")).to_have_attribute("data-conversation", started[0]["conversation_id"])
        expect(page.locator("li.chat-divider ~ li.chat-customer", has_text="which payment methods")).to_have_count(1)
        expect(page.locator("li.chat-divider ~ li.chat-bot", has_text="PayPal")).to_have_count(1)
        expect(page.locator("li.chat-customer", has_text="how long does delivery take?")).to_have_count(1)
    phone.wait_for_timeout(300)
    phone_tab.shot(screenshots, "life-widget-new-conversation-390")
    desk_tab.shot(screenshots, "life-widget-new-conversation-1440")

    # the old conversation is under "Past conversations", linked from the widget
    desk.locator("#chat .chat-past").click()
    desk.wait_for_url("**/account/conversations/")
    expect(desk.locator("#chat-panel")).to_be_hidden()  # the page is not hidden under the chat
    rows = desk.locator("table.conversations tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("which payment methods do you accept?")
    expect(rows.nth(0)).to_contain_text("Open")
    expect(rows.nth(1)).to_contain_text("how long does delivery take?")
    expect(rows.nth(1)).to_contain_text("Resolved by our team")
    desk_tab.shot(screenshots, "life-conversations-1440")
    phone.locator("#chat .chat-past").click()
    phone.wait_for_url("**/account/conversations/")
    expect(phone.locator("table.conversations tbody tr")).to_have_count(2)
    phone_tab.shot(screenshots, "life-conversations-390")
    phone.locator("table.conversations tbody tr").nth(1).get_by_role("link").click()
    expect(phone.locator(".transcript-line", has_text="I want to talk to a person")).to_have_count(1)
    phone.locator(".transcript-email").scroll_into_view_if_needed()
    phone_tab.shot(screenshots, "life-transcript-390")

    rows.nth(1).get_by_role("link").click()
    expect(desk.locator(".transcript-line", has_text="I want to talk to a person")).to_have_count(1)
    expect(desk.locator(".transcript-line", has_text="which payment methods")).to_have_count(0)
    desk_tab.shot(screenshots, "life-transcript-1440")
    desk.get_by_role("button", name="Email me this transcript").click()
    expect(desk.locator(".messages")).to_contain_text("emailed this conversation to")

    # a reload starts from the new conversation alone
    phone.goto("/")
    if phone.locator("#chat-panel").is_hidden():
        phone.locator(".chat-launcher").click()
    expect(phone.locator("li.chat-customer", has_text="which payment methods")).to_have_count(1)
    expect(phone.locator("li.chat-customer", has_text="how long does delivery take?")).to_have_count(0)
