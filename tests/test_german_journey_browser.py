"""A German customer, end to end in real browsers (#16): the German storefront and widget, a delivery
question answered in German from the German help page, a refund asked for in German and handed to a
person in German, and an agent who sees the conversation marked DE, joins and replies.

Carol (Berlin) signs in on the German pages and asks about her delivered demo order. Its own live
site (tests/browser.py: daphne, demo data, the local router; no LLM, the team in). Screenshots go to
test-artifacts/ (customer at 390x844, console at 1280x720).
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from tests.browser import DEMO_PASSWORD, REPLY_TIMEOUT_MS, finished_reply, live_site, staff_sign_in

pytestmark = pytest.mark.timeout(300)

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True,
         "locale": "de-DE"}
LAPTOP = {"viewport": {"width": 1280, "height": 720}}
DELIVERY_QUESTION = "Wie viele Tage braucht ein Paket von Ihnen bis zu mir nach Österreich?"
# Words of the English texts a German customer must not meet in the widget.
ENGLISH = re.compile(r"\b(the|you|your|and|with|please|our team|refund|waiting|joined|is typing|send|chat with us)\b",
                     re.IGNORECASE)

# Each text of the widget's streaming bubble as it changes: a reply rendered chunk by chunk leaves
# several growing texts here, a reply drawn at once only its whole text.
RECORD_STREAMING = """
window.__streamed = [];
new MutationObserver(() => {
  const text = document.querySelector('#chat li.chat-bot.is-streaming .chat-text');
  if (text && text.textContent && window.__streamed.at(-1) !== text.textContent) window.__streamed.push(text.textContent);
}).observe(document, { childList: true, subtree: true, characterData: true });
"""


@pytest.fixture(scope="module")
def site(chromium_path: str, tmp_path_factory: pytest.TempPathFactory, run_artifacts: None) -> Iterator[str]:
    with live_site(tmp_path_factory.mktemp("german-journey-site")) as base:
        yield base


@pytest.fixture(scope="module")
def screenshots() -> Path:
    folder = Path(settings.BASE_DIR) / "test-artifacts"
    folder.mkdir(exist_ok=True)
    return folder


def _ask(page, text: str) -> None:  # type: ignore[no-untyped-def]
    page.fill("#chat-input", text)
    page.get_by_role("button", name="Senden", exact=True).click()


def _covering(page, selector: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The console's header actions drawn over the element, or the element cut by its header."""
    return page.evaluate(
        """(selector) => {
            const box = document.querySelector(selector).getBoundingClientRect();
            const head = document.querySelector('#conv .conv-head').getBoundingClientRect();
            const out = [];
            if (box.left < head.left || box.right > head.right) out.push('cut by the header');
            for (const el of document.querySelectorAll('#conv .conv-head .actions > *')) {
                const r = el.getBoundingClientRect();
                if (r.left < box.right && box.left < r.right && r.top < box.bottom && box.top < r.bottom) out.push(el.id || el.className);
            }
            return out;
        }""", selector)


def _widget_words(page) -> list[str]:  # type: ignore[no-untyped-def]
    """What the widget itself says: its texts (not the customer's or the agent's words) and its labels."""
    return page.evaluate(
        """() => {
            const out = [];
            const chat = document.querySelector('#chat');
            const walker = document.createTreeWalker(chat, NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                if (node.parentElement.closest('li.chat-customer, li.chat-agent, script, style')) continue;
                if (node.textContent.trim()) out.push(node.textContent.trim());
            }
            for (const el of chat.querySelectorAll('[aria-label], [title], [placeholder]')) {
                for (const name of ['aria-label', 'title', 'placeholder']) {
                    if (el.getAttribute(name)) out.push(el.getAttribute(name));
                }
            }
            return out;
        }""")


def _german(text: str) -> None:
    assert not ENGLISH.search(text), f"English in a German text: {text!r}"


def test_a_german_customer_asks_about_delivery_gets_a_refund_handed_to_a_person_and_an_agent_replies(  # type: ignore[no-untyped-def]
    tabs, screenshots: Path
) -> None:
    from playwright.sync_api import expect

    # 1. Carol signs in on the German pages; the storefront and the widget speak German.
    customer_tab = tabs(**PHONE)
    customer = customer_tab.page
    customer.add_init_script(RECORD_STREAMING)
    customer.goto("/de/account/login/")
    customer.fill("#id_username", "carol")
    customer.fill("#id_password", DEMO_PASSWORD)
    customer.get_by_role("button", name="Anmelden").click()
    customer.wait_for_url(re.compile(r"/de/orders/$"))
    delivered = customer.locator("table tbody tr", has_text="Zugestellt").first
    number = delivered.locator("a").first.inner_text().strip()
    customer.goto("/de/")
    assert customer.locator("html").get_attribute("lang") == "de"
    customer_tab.shot(screenshots, "german-journey-0-storefront-390x844")
    launcher = customer.locator(".chat-launcher")
    expect(launcher).to_contain_text("Chatten Sie mit uns")
    launcher.click()
    assert customer.locator("#chat").get_attribute("lang") == "de"
    expect(customer.locator("li.chat-welcome")).to_contain_text("Hallo! Ich bin der Assistent von Example Shoppe.")
    expect(customer.get_by_role("button", name="Senden", exact=True)).to_be_visible()
    customer_tab.shot(screenshots, "german-journey-1-widget-390x844")

    # 2. A delivery question in her own words: a German answer, streamed, with the German help page as its source.
    _ask(customer, DELIVERY_QUESTION)
    answer = finished_reply(customer)
    expect(answer).to_have_attribute("data-route", "local")
    text = answer.locator(".chat-text").inner_text()
    assert "Werktage" in text, text
    _german(text)
    end = customer_tab.events("reply.end")[-1]
    assert [f for f in customer_tab.events("reply.start") if f["reply_id"] == end["reply_id"]]
    chunks = [f["text"] for f in customer_tab.events("reply.chunk") if f["reply_id"] == end["reply_id"]]
    assert len(chunks) >= 2 and "".join(chunks) == end["text"], chunks
    streamed = customer.evaluate("window.__streamed")
    assert len(streamed) >= 2 and all(end["text"].startswith(part) for part in streamed), streamed  # chunk by chunk
    source = answer.locator("ul.chat-sources a").first
    href = source.get_attribute("href") or ""
    assert re.fullmatch(r"/de/help/[a-z-]+/(#[\w-]+)?", href), href
    customer_tab.shot(screenshots, "german-journey-2-delivery-answer-390x844")

    help_page = customer_tab.context.new_page()
    help_page.goto(href)
    assert help_page.locator("html").get_attribute("lang") == "de"
    expect(help_page.locator("h1")).to_have_text("Versand und Lieferung")
    expect(help_page.locator("main")).to_contain_text("Wie lange dauert die Lieferung?")
    help_page.screenshot(path=str(screenshots / "german-journey-2b-help-page-390x844.png"))
    help_page.close()

    # 3. A refund, asked for in German: the assistant confirms it in German, files it, and hands her to a person.
    _ask(customer, f"Ich möchte mein Geld zurück für Bestellung {number}.")
    confirm = customer.locator("li.chat-bot", has_text="Soll ich den Antrag an unser Team senden? (ja / nein)")
    expect(confirm).to_have_count(1, timeout=REPLY_TIMEOUT_MS)
    expect(confirm).to_contain_text(f"(Bestellung {number})")
    _ask(customer, "Ja, bitte.")
    expect(customer.locator("li.chat-bot", has_text="Was ist der Grund für die Erstattung?")).to_have_count(1)
    _ask(customer, "Sie gefällt mir leider doch nicht.")
    filed = customer.locator("li.chat-bot", has_text="Ich habe einen Erstattungsantrag")
    expect(filed).to_have_count(1)
    expect(filed).to_contain_text(f"aus der Bestellung {number}")
    expect(customer.locator(".chat-status")).to_have_text("Wartet auf unser Team")
    queue_line = customer.locator(".chat-team")
    expect(queue_line).to_contain_text("in der Warteschlange")
    links = customer.locator("#chat li.chat-bot ul.chat-sources a")
    hrefs = [links.nth(i).get_attribute("href") or "" for i in range(links.count())]
    assert len(hrefs) >= 2 and all(h.startswith("/de/help/") for h in hrefs), hrefs  # delivery, refund policy
    customer_tab.shot(screenshots, "german-journey-3-refund-handed-off-390x844")

    # 4. Sam sees the conversation marked DE, joins it and replies; Carol reads the reply and the German join line.
    agent_tab = tabs(**LAPTOP)
    agent = agent_tab.page
    staff_sign_in(agent, "staff")
    expect(agent.locator("#connection")).to_have_text("Live")
    item = agent.locator("#queue-list .queue-item", has_text="Carol Schmidt")
    expect(item).to_have_count(1)
    expect(item.locator(".badge-lang")).to_have_text("DE")
    item.click()
    expect(agent.locator("#conv-language")).to_have_text("DE")
    expect(agent.locator("#refund-list li.refund")).to_contain_text(f"order {number}")
    agent.get_by_role("button", name="Claim").click()
    expect(agent.locator("#claim-btn")).to_have_text("Claimed by you")
    joined = customer.locator("li.chat-system", has_text="Sam ist dem Chat beigetreten.")
    expect(joined).to_have_count(1)
    expect(customer.locator(".chat-status")).to_have_text("Im Chat mit Sam")
    reply = "Hallo Carol, hier ist Sam. Ich sehe mir Ihre Erstattung gleich an."
    agent.fill("#reply-input", reply)
    agent.locator("#reply-input").press("Enter")
    expect(agent.locator("#transcript li.msg-agent", has_text="hier ist Sam")).to_have_count(1)
    agent_tab.shot(screenshots, "german-journey-4-console-1280x720")
    assert _covering(agent, "#conv-language") == [], "the DE badge in the header is covered"
    expect(customer.locator("li.chat-agent", has_text=reply)).to_have_count(1)
    customer_tab.shot(screenshots, "german-journey-5-agent-reply-390x844")
    words = _widget_words(customer)  # greeting, answers, queue and status lines, join line, buttons, labels
    assert {"Senden", "Sam ist dem Chat beigetreten.", "Im Chat mit Sam"} <= set(words), words
    for text in words:
        _german(text)
    assert not agent.locator("#alert").is_visible(), agent.locator("#alert").inner_text()
