"""End-to-end: a German customer's conversation in the console, with its language badge and the translate actions.

Its own live site (demo data, cached models) with the LLM pointed at the suite's fake Gemini
server, so the console offers translation; the real google-genai client in the site's process
makes the calls. The customer writes from the German storefront; the agent reads the message
in English, has a draft translated into German (it only fills the reply box), and sends it; then
switches their working language to Dutch and reads the message in Dutch.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser import REPLY_TIMEOUT_MS, customer_sign_in, fake_gemini_fixtures, staff_sign_in
from tests.fakes.gemini import RecordedRequest, Reply

pytestmark = pytest.mark.timeout(300)

VIEWPORT = {"width": 1280, "height": 720}
ASKED = "Ich möchte bitte mit einem Mitarbeiter sprechen."
IN_ENGLISH = "I would like to speak to a member of staff, please."
DRAFT = "Hi, Sam here. Could you send us a photo of the damage?"
IN_GERMAN = "Hallo, hier ist Sam. Könnten Sie uns ein Foto vom Schaden schicken?"
IN_DUTCH = "Ik wil graag met een medewerker spreken."


def _answer(request: RecordedRequest) -> Reply:
    system = request.system_text
    if "Translate the text inside <text> into English" in system:
        return Reply.text([IN_ENGLISH])
    if "Translate the text inside <text> into German" in system:
        return Reply.text([IN_GERMAN])
    if "Translate the text inside <text> into Dutch" in system:
        return Reply.text([IN_DUTCH])
    # An escalated customer message (if the router sends it to the LLM): to a person.
    if any("functionResponse" in str(part) for content in request.contents for part in content.get("parts", [])):
        return Reply.text(["Ich habe Ihre Frage an unser Team weitergegeben."])
    return Reply.function_call("handoff_request", {"reason": "person"})


gemini, site = fake_gemini_fixtures(_answer, "console-language-site", SUPPORT_HOURS="mon-sun 00:00-24:00")


def test_the_agent_sees_the_language_and_translates_without_sending(tabs, gemini, screenshots: Path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    customer_tab = tabs()
    customer = customer_tab.page
    customer_sign_in(customer, "bob")
    customer.goto("/de/")
    customer.locator(".chat-launcher").click()
    customer.fill("#chat-input", ASKED)
    customer.locator("#chat-input").press("Enter")
    expect(customer.locator("li.chat-bot[data-route]").last).to_be_visible(timeout=REPLY_TIMEOUT_MS)

    agent_tab = tabs(viewport=VIEWPORT)
    agent = agent_tab.page
    staff_sign_in(agent, "staff")
    expect(agent.locator("#connection")).to_have_text("Live")
    item = agent.locator("#queue-list .queue-item", has_text=ASKED[:30])
    expect(item).to_have_count(1, timeout=REPLY_TIMEOUT_MS)
    expect(item.locator(".badge-lang")).to_have_text("DE")
    item.click()
    expect(agent.locator("#conv-language")).to_have_text("DE")
    expect(agent.locator("#conv-language")).to_have_attribute("title", "The customer writes in German")

    # German canned responses come first.
    first_group = agent.locator("#canned optgroup").first
    expect(first_group).to_have_attribute("label", "German (the customer's language)")
    expect(first_group.locator("option").first).to_have_text("Closing")

    # Show the customer's message in English.
    asked = agent.locator("#transcript li.msg-customer", has_text=ASKED[:30])
    asked.get_by_role("button", name="Show this message in English").click()
    expect(asked.locator(".msg-translation")).to_contain_text(IN_ENGLISH)

    # Claim, write in English, translate the draft: it fills the box and is not sent.
    agent.get_by_role("button", name="Claim").click()
    expect(agent.locator("#claim-btn")).to_have_text("Claimed by you")
    agent.fill("#reply-input", DRAFT)
    agent.locator("#translate-draft").click()
    expect(agent.locator("#reply-input")).to_have_value(IN_GERMAN)
    expect(agent.locator("#translated-hint")).to_be_visible()
    expect(agent.locator("#translated-hint")).to_contain_text("Translated into German. Check it, then press Send.")
    expect(agent.locator("#translate-draft")).to_have_text("Translate draft into German")
    agent_tab.shot(screenshots, "console-language-1-translated-draft")
    expect(customer.locator("li.chat-agent")).to_have_count(0)
    assert not agent_tab.events("agent.message")

    assert agent.locator("#translated-hint").bounding_box()["y"] + 10 < VIEWPORT["height"]  # on screen at 1280x720

    # Only Send delivers it, in German.
    agent.get_by_role("button", name="Send", exact=True).click()
    expect(customer.locator("li.chat-agent", has_text="Foto vom Schaden")).to_have_count(1)
    translations = [r for r in gemini.requests if "Translate the text inside <text>" in r.system_text]
    assert len(translations) == 2 and "Mitarbeiter" in translations[0].last_user_text
    assert not agent.locator("#alert").is_visible(), agent.locator("#alert").inner_text()

    # The agent works in Dutch from now on (saved on the server): the message is offered, and shown, in Dutch.
    agent.select_option("#agent-language", "nl")
    asked.get_by_role("button", name="Show this message in Dutch").click()
    expect(asked.locator(".msg-translation")).to_contain_text(f"In Dutch: {IN_DUTCH}")
    expect(asked.get_by_role("button", name="Show this message in English")).to_have_count(0)
    asked.scroll_into_view_if_needed()
    agent_tab.shot(screenshots, "console-language-2-agent-works-in-dutch")
    translations = [r for r in gemini.requests if "Translate the text inside <text>" in r.system_text]
    assert len(translations) == 3 and "into Dutch" in translations[2].system_text
    agent.reload()
    expect(agent.locator("#agent-language")).to_have_value("nl")
    assert not agent.locator("#alert").is_visible(), agent.locator("#alert").inner_text()
