"""The team in the chat, in real browsers: a refund that waits for a supervisor, and staff shown as people (#15 items 2, 14).

Its own live site (tests/browser.py: daphne, demo data, headless Chromium) with
REFUND_SUPERVISOR_LIMIT_EUR=10, so any demo refund needs a supervisor's second approval.
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
    with live_site(tmp_path_factory.mktemp("staff-site"), REFUND_SUPERVISOR_LIMIT_EUR="10") as base:
        yield base


def _chat_send(page, text: str) -> None:  # type: ignore[no-untyped-def]
    page.fill("#chat-input", text)
    page.get_by_role("button", name="Send").click()


def _refund_filed(customer) -> str:  # type: ignore[no-untyped-def]
    """The customer asks for a refund of their newest paid order in the chat, through to "filed"; its number. (An
    unpaid or cancelled order has nothing to refund: its request cannot be approved, session 30.)"""
    from playwright.sync_api import expect

    paid = customer.locator("table tbody tr").filter(has_not_text=re.compile("Pending payment|Cancelled"))
    number = paid.first.locator("td a").first.inner_text().strip()
    customer.locator(".chat-launcher").click()
    _chat_send(customer, f"I want a refund for order {number}")
    asked = customer.locator("li.chat-bot", has_text=re.compile("Shall I send it to our team|Which items"))
    expect(asked).to_have_count(1, timeout=REPLY_TIMEOUT_MS)
    if "Which items" in asked.inner_text():
        _chat_send(customer, "all of them")
        expect(customer.locator("li.chat-bot", has_text="Shall I send it to our team")).to_have_count(1)
    _chat_send(customer, "yes")
    expect(customer.locator("li.chat-bot", has_text="reason for the refund")).to_have_count(1)
    _chat_send(customer, "It arrived damaged")
    expect(customer.locator("li.chat-bot", has_text="filed a refund request")).to_have_count(1)
    return number


def test_a_refund_awaiting_a_supervisor_blocks_resolve_is_found_by_the_supervisor_and_the_customer_hears_each_step(  # type: ignore[no-untyped-def]
    tabs, screenshots: Path
) -> None:
    from playwright.sync_api import expect

    agent_tab = tabs(**LAPTOP)
    agent = agent_tab.page
    staff_sign_in(agent, "staff")
    expect(agent.locator("#connection")).to_have_text("Live")
    expect(agent.locator("#awaiting-badge")).to_have_count(0)  # the header badge is the supervisors'

    customer_tab = tabs(**LAPTOP)
    customer = customer_tab.page
    customer_sign_in(customer, "dan")
    number = _refund_filed(customer)

    # Sam claims the conversation and approves the refund once: it waits for a supervisor.
    agent.locator("#queue-list .queue-item", has_text="Dan Murphy").click()
    agent.get_by_role("button", name="Claim").click()
    expect(agent.locator("#claim-btn")).to_have_text("Claimed by you")
    refund = agent.locator("#refund-list li.refund")
    # Approving asks first, naming the amount (session 23's walkthrough: one click refunded); a "Cancel" sends nothing.
    asked = []

    def answer_the_confirmation(dialog, accept: bool) -> None:  # type: ignore[no-untyped-def]
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    agent.once("dialog", lambda dialog: answer_the_confirmation(dialog, False))
    refund.get_by_role("button", name=re.compile("^Approve refund")).click()
    expect(refund).not_to_contain_text("Waiting for a supervisor")
    assert asked and "Approve the refund of €" in asked[0] and f"order {number}" in asked[0]
    agent.once("dialog", lambda dialog: answer_the_confirmation(dialog, True))
    refund.get_by_role("button", name=re.compile("^Approve refund")).click()
    expect(refund).to_contain_text("Waiting for a supervisor")
    told = customer.locator("li.chat-bot", has_text="waiting for a second approval")
    expect(told).to_have_count(1)
    expect(told).to_contain_text(f"order {number}")
    expect(told).to_contain_text("We'll message you here")

    # Resolve is blocked, and the console says why, in words the agent sees.
    resolve = agent.get_by_role("button", name="Resolve")
    expect(resolve).to_be_disabled()
    blocked = agent.locator("#resolve-blocked")
    expect(blocked).to_be_visible()
    expect(blocked).to_contain_text("supervisor")
    expect(agent.locator("#view-awaiting .badge-count")).to_have_text("1")
    agent_tab.shot(screenshots, "staff-1-resolve-blocked-1280x720")

    # The supervisor sees the count in the header, opens the queue of refunds awaiting her, and decides.
    sofia_tab = tabs(**LAPTOP)
    sofia = sofia_tab.page
    staff_sign_in(sofia, "supervisor")
    badge = sofia.locator("#awaiting-badge")
    expect(badge).to_have_text("1 refund to approve")
    badge.click()
    expect(sofia.locator("#view-awaiting")).to_have_attribute("aria-pressed", "true")
    waiting = sofia.get_by_role("list", name="Refunds awaiting a supervisor").locator(".queue-item")
    expect(waiting).to_have_count(1)
    expect(waiting).to_contain_text("Dan Murphy")
    expect(waiting).to_contain_text("First approval by Sam")
    expect(waiting.locator(".qi-items")).to_contain_text(" × ")  # what she approves, on the card (session 28)
    sofia_tab.shot(screenshots, "staff-2-supervisor-queue-1280x720")
    waiting.click()
    expect(sofia.locator("#conversation-title")).to_have_text("Dan Murphy")
    sofia.once("dialog", lambda dialog: dialog.accept())
    sofia.locator("#refund-list li.refund").get_by_role("button", name=re.compile("^Approve refund")).click()
    expect(sofia.locator("#refund-list li.refund")).to_contain_text("Approved")
    expect(badge).to_have_text("0 refunds to approve")
    expect(sofia.locator("#awaiting-empty")).to_be_visible()

    # The customer hears the outcome where she was told to wait for it; Sam may resolve now.
    expect(customer.locator("li.chat-bot", has_text="Good news")).to_have_count(1)
    expect(agent.locator("#view-awaiting .badge-count")).to_have_text("0")
    expect(blocked).to_be_hidden()
    expect(resolve).to_be_enabled()
    resolve.click()
    expect(customer.locator("li.chat-system", has_text="Sam left the chat.")).to_have_count(1)
    customer_tab.shot(screenshots, "staff-3-customer-told-1280x720")
    for page in (agent, sofia):
        assert not page.locator("#alert").is_visible(), page.locator("#alert").inner_text()


@pytest.mark.parametrize(("screen", "who", "name"), [(PHONE, "carol", "Carol Schmidt"), (LAPTOP, "bob", "Bob Peeters")],
                         ids=["phone", "laptop"])
def test_staff_messages_show_a_person_and_who_joined_is_a_system_line(  # type: ignore[no-untyped-def]
    tabs, screenshots: Path, screen: dict, who: str, name: str
) -> None:
    from playwright.sync_api import expect

    width = screen["viewport"]["width"]
    agent_tab = tabs(**LAPTOP)
    agent = agent_tab.page
    staff_sign_in(agent, "staff")
    expect(agent.locator("#connection")).to_have_text("Live")

    customer_tab = tabs(**screen)
    customer = customer_tab.page
    customer_sign_in(customer, who)
    customer.locator(".chat-launcher").click()
    _chat_send(customer, "I want to talk to a person")
    expect(customer.locator("li.chat-bot[data-route='human']").last).to_be_visible(timeout=REPLY_TIMEOUT_MS)

    agent.locator("#queue-list .queue-item", has_text=name).click()
    agent.get_by_role("button", name="Claim").click()
    expect(agent.locator("#claim-btn")).to_have_text("Claimed by you")
    agent.fill("#reply-input", "Hi, Sam here. I'll look into it now.")
    agent.keyboard.press("Enter")

    def the_chat_shows_sam() -> None:
        joined = customer.locator("#chat li.chat-system", has_text="Sam joined the chat.")
        expect(joined).to_have_count(1)
        expect(customer.locator("#chat li.chat-bot", has_text="joined the chat")).to_have_count(0)  # not an assistant bubble
        said = customer.locator("#chat li.chat-agent", has_text="I'll look into it now.")
        expect(said).to_have_count(1)
        expect(said.locator(".chat-avatar")).to_have_text("S")
        expect(said.locator(".chat-name")).to_have_text("Sam")
        # read out as Sam, not as "Assistant" or "Staff"
        spoken = said.locator(".visually-hidden").inner_text()
        assert spoken.startswith("Sam:"), spoken
        # a system line is styled apart from the bubbles: centred, no bubble border
        looks = joined.evaluate("""e => { const s = getComputedStyle(e);
            return {align: s.alignSelf, border: s.borderTopWidth, font: parseFloat(s.fontSize)}; }""")
        bot_font = customer.locator("#chat li.chat-bot").first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
        assert looks["align"] == "center" and looks["border"] == "0px" and looks["font"] < bot_font, looks
        box = said.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, box

    the_chat_shows_sam()
    announcer = customer.locator("#chat .chat-announcer")
    expect(announcer).to_have_text("Sam: Hi, Sam here. I'll look into it now.")
    customer_tab.shot(screenshots, f"staff-widget-sam-{width}")

    # The console's transcript: the same system line, and Sam's reply with his initials.
    expect(agent.locator("#transcript li.msg-system", has_text="Sam joined the chat.")).to_have_count(1)
    mine = agent.locator("#transcript li.msg-agent", has_text="I'll look into it now.")
    expect(mine.locator(".avatar")).to_have_text("S")
    expect(mine.locator(".msg-author")).to_have_text("Sam")
    agent_tab.shot(screenshots, f"staff-console-sam-{width}")

    # After a reload, from the history: the same.
    customer.reload()
    if customer.locator("#chat-panel").is_hidden():
        customer.locator(".chat-launcher").click()
    the_chat_shows_sam()
    customer_tab.shot(screenshots, f"staff-widget-sam-after-reload-{width}")

    agent.get_by_role("button", name="Resolve").click()
    expect(customer.locator("#chat li.chat-system", has_text="Sam left the chat.")).to_have_count(1)
    expect(customer.locator("#chat li.chat-bot", has_text="Our team has finished here")).to_have_count(1)


def test_the_queue_line_goes_once_an_agent_joins_and_the_status_line_follows_the_chat(  # type: ignore[no-untyped-def]
    tabs, screenshots: Path
) -> None:
    """#15 item 6: "You're number 1 in the queue" stayed next to "Chatting with Sam"; after a reload and after
    resolve the status must say who holds the chat, and no queue line may be left over."""
    from playwright.sync_api import expect

    agent_tab = tabs(**LAPTOP)
    agent = agent_tab.page
    staff_sign_in(agent, "staff")
    expect(agent.locator("#connection")).to_have_text("Live")

    customer_tab = tabs(**PHONE)
    customer = customer_tab.page
    customer_sign_in(customer, "alice")
    customer.locator(".chat-launcher").click()
    status, queue_line = customer.locator("#chat .chat-status"), customer.locator("#chat .chat-team")

    def shoot(name: str) -> None:
        """The widget at 390x844 and at 1280x720, with the status and queue area on screen and unclipped."""
        for width, height in ((390, 844), (1280, 720)):
            customer.set_viewport_size({"width": width, "height": height})
            header = customer.locator("#chat .chat-header").bounding_box()
            assert header is not None and header["x"] >= 0 and header["x"] + header["width"] <= width, header
            if queue_line.is_visible():
                box = queue_line.bounding_box()
                assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, box
            customer_tab.shot(screenshots, f"status-{name}-{width}x{height}")
        customer.set_viewport_size({"width": 390, "height": 844})

    _chat_send(customer, "I want to talk to a person")
    expect(customer.locator("li.chat-bot[data-route='human']").last).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    expect(status).to_have_text("Waiting for our team")
    expect(queue_line).to_be_visible()
    expect(queue_line).to_have_text(re.compile(r"You're number \d+ in the queue|Our team is away right now"))
    shoot("1-queued")

    # Sam claims the chat: the queue line goes, the status names him.
    agent.locator("#queue-list .queue-item", has_text="Alice").click()
    agent.get_by_role("button", name="Claim").click()
    expect(agent.locator("#claim-btn")).to_have_text("Claimed by you")
    expect(customer.locator("#chat li.chat-system", has_text="Sam joined the chat.")).to_have_count(1)
    expect(status).to_have_text("Chatting with Sam")
    expect(queue_line).to_be_hidden()
    agent.fill("#reply-input", "Hi Alice, Sam here. How can I help?")
    agent.keyboard.press("Enter")
    expect(customer.locator("#chat li.chat-agent", has_text="How can I help?")).to_have_count(1)
    expect(queue_line).to_be_hidden()
    shoot("2-chatting-with-sam")

    # After a reload while Sam holds the chat: the same.
    customer.reload()
    if customer.locator("#chat-panel").is_hidden():
        customer.locator(".chat-launcher").click()
    expect(customer.locator("#chat li.chat-agent", has_text="How can I help?")).to_have_count(1)
    expect(status).to_have_text("Chatting with Sam")
    expect(queue_line).to_be_hidden()
    shoot("3-after-reload")

    # Resolved: nobody's name stays, and no queue line comes back.
    agent.get_by_role("button", name="Resolve").click()
    expect(customer.locator("#chat li.chat-system", has_text="Sam left the chat.")).to_have_count(1)
    expect(customer.locator("#chat li.chat-bot", has_text="Our team has finished here")).to_have_count(1)
    expect(status).not_to_have_text(re.compile("Sam|Waiting|team"))
    expect(queue_line).to_be_hidden()
    shoot("4-resolved")
    # and the console's header no longer says the customer waits for the team
    expect(agent.locator("#conv-meta")).to_have_text("Closed")
    agent_tab.shot(screenshots, "status-console-resolved-1280x720")
    customer.reload()
    if customer.locator("#chat-panel").is_hidden():
        customer.locator(".chat-launcher").click()
    expect(customer.locator("#chat li.chat-bot", has_text="Our team has finished here")).to_have_count(1)
    expect(status).not_to_have_text(re.compile("Sam|Waiting|team"))
    expect(queue_line).to_be_hidden()
    shoot("5-resolved-after-reload")
    assert not agent.locator("#alert").is_visible(), agent.locator("#alert").inner_text()
