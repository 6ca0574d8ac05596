"""End-to-end: a customer reloads the page while the LLM's answer is still streaming in.

Its own live site with the LLM pointed at the suite's fake Gemini server, which streams the answer slowly; the
real google-genai client in the site's process makes the call.
"""
from __future__ import annotations


import pytest

from tests.browser import REPLY_TIMEOUT_MS, fake_gemini_fixtures, finished_reply, staff_sign_in
from tests.fakes.gemini import RecordedRequest, Reply

pytestmark = pytest.mark.timeout(240)

ASKED = ("I'm moving into a small studio next month and the Oslo sofa is 220 cm wide: would it fit next to the oak "
         "dining table, and which of the two should I buy first if I can only afford one?")
CHUNKS = ["In a small studio ", "the Oslo sofa and the oak table ", "can share a wall if it is 4 metres long; ",
          "if you can buy one now, ", "start with the **Oslo", " sofa**, ", "since the table ", "can wait."]
SHOWN = "".join(CHUNKS).replace("**", "").strip()  # "**Oslo sofa**" shows bold


def _answer(request: RecordedRequest) -> Reply:
    return Reply.text(CHUNKS, delay_s=0.7)


gemini, site = fake_gemini_fixtures(_answer, "llm-stream-site")


def _asked(tabs):  # type: ignore[no-untyped-def]
    """A visitor's page that has just asked ASKED in the chat."""
    page = tabs().page
    page.goto("/")
    page.locator(".chat-launcher").click()
    page.fill("#chat-input", ASKED)
    page.get_by_role("button", name="Send").click()
    return page


def test_a_reload_while_the_answer_streams_shows_it_whole_not_from_the_middle(tabs) -> None:  # type: ignore[no-untyped-def]
    """Reloaded half-way, the widget used to draw an empty bubble and then only the chunks after the reload: the
    answer began mid-sentence until it ended. Now the typing dots stand in for it until it is whole."""
    from playwright.sync_api import expect

    page = _asked(tabs)
    streaming = page.locator("li.chat-bot.is-streaming")
    expect(streaming).to_have_count(1, timeout=REPLY_TIMEOUT_MS)
    expect(streaming.locator(".chat-text")).to_contain_text(CHUNKS[0].strip())
    page.reload()
    expect(page.locator("#chat-panel")).to_be_visible()
    expect(page.locator("li.chat-customer")).to_have_count(1)
    expect(page.locator("p.chat-typing")).to_be_visible()
    # Never a bubble holding only the end of the answer, however briefly
    page.evaluate("""() => {
      window.shownMidSentence = [];
      new MutationObserver(() => {
        for (const t of document.querySelectorAll('li.chat-bot .chat-text')) {
          const text = t.textContent.trim();
          if (text && !text.startsWith('In a small studio')) window.shownMidSentence.push(text);
        }
      }).observe(document.getElementById('chat-panel'), { subtree: true, childList: true, characterData: true });
    }""")
    reply = finished_reply(page)
    assert page.evaluate("window.shownMidSentence") == []
    expect(reply.locator(".chat-text")).to_have_text(SHOWN)
    expect(page.locator("li.chat-bot")).to_have_count(1)
    expect(page.locator("p.chat-typing")).to_be_hidden()


def test_bold_shows_bold_while_the_answer_streams_and_staff_see_who_wrote_it(tabs, screenshots) -> None:  # type: ignore[no-untyped-def]
    """"**Oslo sofa**" showed its asterisks until the answer ended, then jumped to bold. In the console, an answer
    the LLM wrote looked like a help-centre passage: it is marked, in the transcript and in the handoff packet."""
    from playwright.sync_api import expect

    page = _asked(tabs)
    streaming = page.locator("li.chat-bot.is-streaming .chat-text")
    expect(streaming).to_contain_text("sofa,", timeout=REPLY_TIMEOUT_MS)
    expect(streaming.locator("strong")).to_have_text("Oslo sofa")
    assert "**" not in streaming.text_content()
    assert page.locator("li.chat-bot.is-streaming").count() == 1  # still streaming
    expect(finished_reply(page).locator(".chat-text strong")).to_have_text("Oslo sofa")

    page.fill("#chat-input", "I want to talk to a person")
    page.get_by_role("button", name="Send").click()
    expect(page.locator("li.chat-bot[data-route='human']").first).to_be_visible(timeout=REPLY_TIMEOUT_MS)
    console = tabs(viewport={"width": 1280, "height": 800}).page
    staff_sign_in(console, "staff")
    console.locator("#queue-list .queue-item").first.click()
    answer = console.locator("#transcript li.msg-bot", has_text="In a small studio")
    expect(answer.locator(".by-llm")).to_have_text("Written by the AI model")
    expect(answer.locator(".msg-text strong")).to_have_text("Oslo sofa")
    expect(console.locator("#packet .bot-answers li", has_text="In a small studio").locator(".by-llm")).to_be_visible()
    expect(console.locator("#transcript li.msg-bot .by-llm")).to_have_count(1)  # the handoff reply is not the LLM's
    answer.scroll_into_view_if_needed()
    console.screenshot(path=str(screenshots / "console-llm-answer.png"))
